/**
 * @module
 * Checks on user input shared by the console routes and the `logsift user` CLI, each returning the
 * message to show, or `null` when the value is fine.
 */
import { USER_NAME_RE } from './system-store.js'

/** Why `name` cannot be a login name, or `null`. */
export function userNameProblem(name: string): string | null {
  if (name === '') return 'Enter a user name.'
  if (!USER_NAME_RE.test(name)) {
    return 'Use 1–63 lower case letters, digits, and . _ - ; start with a letter.'
  }
  return null
}

/** Why `name` cannot be a display name, or `null`. */
export function displayNameProblem(name: string): string | null {
  if (name === '') return 'Enter a name.'
  if (name.length > 100) return 'At most 100 characters.'
  return null
}
