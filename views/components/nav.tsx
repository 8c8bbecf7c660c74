/**
 * @module
 * The console's areas (SPEC §6) and the navigation built from them. The role of each area
 * is the one `createApp` enforces on its routes, so the menu never offers a page that
 * would answer 403.
 */
import type { Role } from '../../src/system/system-store.js'
import { Icon, type IconName } from './icon.js'

/** Key of a console area. */
export type AreaKey =
  | 'dashboard'
  | 'tail'
  | 'system'
  | 'browse'
  | 'sql'
  | 'engines'
  | 'senders'
  | 'classes'
  | 'settings'
  | 'users'
  | 'audit'
  | 'account'

/** One page of the console. */
export interface Area {
  key: AreaKey
  label: string
  href: string
  /** Least role that may open it. */
  role: Role
  group: 'Monitor' | 'Data' | 'Configure' | 'Administration' | 'You'
  icon: IconName
  /** One sentence on what the page is for. */
  summary: string
}

/**
 * Every area, in menu order. Viewers get the read-only ones (SPEC §7: dashboard, browse,
 * SQL, export, system); live tail shows the same rows as Browse, so it is read-only too.
 * Viewers also see the configuration areas (engines, senders, classes, settings), with
 * their forms disabled; every change there needs an admin.
 */
export const AREAS: readonly Area[] = [
  { key: 'dashboard', label: 'Dashboard', href: '/', role: 'viewer', group: 'Monitor', icon: 'activity',
    summary: 'Every engine with live per-second charts of received, stored, rejected and dropped messages.' },
  { key: 'tail', label: 'Live tail', href: '/tail', role: 'viewer', group: 'Monitor', icon: 'terminal',
    summary: 'Recent rows of an engine as they arrive, sampled, with the sample rate shown.' },
  { key: 'system', label: 'System', href: '/system', role: 'viewer', group: 'Monitor', icon: 'cpu',
    summary: 'CPU, memory and disk of this host, data size per engine, uptime and versions.' },
  { key: 'browse', label: 'Browse', href: '/browse', role: 'viewer', group: 'Data', icon: 'search',
    summary: 'Search stored rows by engine, time range and per-column filters, and export them.' },
  { key: 'sql', label: 'SQL', href: '/sql', role: 'viewer', group: 'Data', icon: 'database',
    summary: 'Read-only DuckDB SQL over a view of the chosen days.' },
  { key: 'engines', label: 'Engines', href: '/engines', role: 'viewer', group: 'Configure', icon: 'server',
    summary: 'Create, edit and delete listeners; changes apply live.' },
  { key: 'senders', label: 'Senders', href: '/senders', role: 'viewer', group: 'Configure', icon: 'share',
    summary: 'The ordered sender list of each engine, and unknown senders seen.' },
  { key: 'classes', label: 'Classes', href: '/classes', role: 'viewer', group: 'Configure', icon: 'layers',
    summary: 'Field extraction classes, with a regex tester on sample lines.' },
  { key: 'settings', label: 'Settings', href: '/settings', role: 'viewer', group: 'Configure', icon: 'sliders',
    summary: 'Time zone, default retention and disk guard.' },
  { key: 'users', label: 'Users', href: '/users', role: 'admin', group: 'Administration', icon: 'users',
    summary: 'Console users and their roles.' },
  { key: 'audit', label: 'Audit log', href: '/audit', role: 'admin', group: 'Administration', icon: 'file',
    summary: 'Who changed what, and when.' },
  { key: 'account', label: 'Account', href: '/account', role: 'viewer', group: 'You', icon: 'user',
    summary: 'Your name and password.' },
]

/** The area with this key. */
export function area(key: AreaKey): Area {
  return AREAS.find((a) => a.key === key)!
}

/** Props of {@link Nav}. */
export interface NavProps {
  role: Role
  active?: AreaKey
}

/** The sidebar menu: the areas `role` may open, grouped. */
export function Nav({ role, active }: NavProps) {
  const visible = AREAS.filter((a) => role === 'admin' || a.role === 'viewer')
  const groups = [...new Set(visible.map((a) => a.group))]
  return (
    <nav class="nav" aria-label="Main">
      {groups.map((group) => (
        <div class="nav-group">
          <p class="nav-heading">{group}</p>
          <ul>
            {visible
              .filter((a) => a.group === group)
              .map((a) => (
                <li>
                  <a href={a.href} class="nav-link" aria-current={a.key === active ? 'page' : undefined}>
                    <Icon name={a.icon} />
                    <span>{a.label}</span>
                  </a>
                </li>
              ))}
          </ul>
        </div>
      ))}
    </nav>
  )
}
