/**
 * @module
 * Small builders for config tests: a valid document to start from, and a way to see
 * the issues of a broken one as `path: message` lines.
 */

import { validateConfig } from '../../src/config/validate.js'

/** A minimal valid document; each test breaks one thing in a fresh copy. */
export function baseDoc(): any {
  return {
    data_dir: './data',
    timezone: 'UTC',
    classes: { mikrotik: { pppoe: 'in:<pppoe-([A-Za-z\\d]+)>', destination_ip: '->(\\S+)' } },
    engines: [
      { name: 'mikrotik', class: 'mikrotik', listen: { udp: ['0.0.0.0:5514'] }, senders: [{ name: 'any', match: '*' }] },
    ],
  }
}

/** The issues of `doc` as `path: message` lines, or `['ok']`. */
export function issuesOf(doc: unknown): string[] {
  const result = validateConfig(doc)
  return result.ok ? ['ok'] : result.issues.map((i) => `${i.path}: ${i.message}`)
}
