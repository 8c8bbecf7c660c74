/**
 * @module
 * The light/dark switch. It is inert HTML; `/static/theme.js` reveals it and handles
 * clicks, and the choice lives in a cookie so the server renders the right theme with no
 * flash on load.
 */
import { Icon } from '../components/icon.js'

/** The toggle button; hidden until the script marks `<html class="js">`. */
export function ThemeToggle() {
  return (
    <button type="button" class="icon-button theme-toggle" data-theme-toggle title="Switch light/dark theme">
      <Icon name="contrast" />
      <span class="visually-hidden">Switch theme</span>
    </button>
  )
}
