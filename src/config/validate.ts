/**
 * @module
 * Everything that can be checked from the config document alone: the JSON Schema
 * (`config/logsift.schema.json`, through ajv, defaults filled in) and the rules a schema
 * cannot express — class references, port clashes, duplicate names, address syntax,
 * time zones. Sender patterns are checked by the engine's parser; regex validity needs
 * the native compiler too, and `plan.ts` takes it as a hook.
 */

import Ajv2020Module from 'ajv/dist/2020.js'
import type { ErrorObject } from 'ajv'
import schema from '../../config/logsift.schema.json' with { type: 'json' }
import type { ConfigIssue } from './config-error.js'
import { checkSenderMatch } from '../engine/sender-match.js'
import { listenOverlaps, parseListenAddress, type ListenAddress } from './net.js'
import type { RawConfig } from './raw-config.js'
import { resolveTimeZone } from './time-zone.js'

// ajv ships CommonJS whose `module.exports` is the class itself, with `.default` beside it.
const Ajv2020 = Ajv2020Module.default
const ajv = new Ajv2020({ allErrors: true, useDefaults: true, verbose: true, strict: true })
const validateSchema = ajv.compile(schema)

/** Column names the engine writes itself (SPEC §3, and issue 8's `structured_data`); no class field may take them. */
export const RESERVED_COLUMNS: readonly string[] = [
  'received_at',
  'sender_ip',
  'sender',
  'facility',
  'severity',
  'hostname',
  'app_name',
  'proc_id',
  'msg_id',
  'log_time',
  'structured_data',
  'original_log',
]

/** The outcome of {@link validateConfig}: the config with defaults when there are no issues. */
export type Validation = { ok: true; config: RawConfig } | { ok: false; issues: ConfigIssue[] }

/**
 * Validates a parsed config document. `doc` is not modified: defaults are filled into a copy.
 *
 * @returns every issue found (schema and semantic ones together), sorted by path.
 */
export function validateConfig(doc: unknown): Validation {
  const copy = structuredClone(doc)
  const issues = validateSchema(copy) ? [] : schemaIssues(validateSchema.errors ?? [])
  issues.push(...semanticIssues(copy))
  if (issues.length > 0) return { ok: false, issues: sortIssues(dedupe(issues)) }
  return { ok: true, config: copy as RawConfig }
}

/** Appends one JSON Pointer segment, escaped per RFC 6901. */
export function pointer(base: string, segment: string | number): string {
  return `${base}/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`
}

function schemaIssues(errors: readonly ErrorObject[]): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  // A bad property name is reported twice by ajv: the inner failure (pattern, not) and a
  // `propertyNames` wrapper naming the property. Keep the wrapper's path with the inner reason.
  const consumed = new Set<number>()
  errors.forEach((e, i) => {
    if (e.keyword !== 'propertyNames') return
    const name = String((e.params as { propertyName: string }).propertyName)
    const reasons: string[] = []
    for (let j = i - 1; j >= 0 && errors[j]!.instancePath === e.instancePath && errors[j]!.keyword !== 'propertyNames'; j--) {
      if (consumed.has(j)) break
      consumed.add(j)
      reasons.unshift(errors[j]!.keyword === 'not' ? 'is a reserved column name; choose another' : nameReason(errors[j]!))
    }
    consumed.add(i)
    issues.push({
      path: pointer(e.instancePath, name),
      message: `"${name}" ${reasons.length > 0 ? reasons.join('; ') : 'is not an accepted name'}`,
    })
  })
  errors.forEach((e, i) => {
    if (consumed.has(i)) return
    const issue = describe(e)
    if (issue) issues.push(issue)
  })
  return issues
}

function nameReason(e: ErrorObject): string {
  const description = (e.parentSchema as { description?: string } | undefined)?.description
  return description ? `is not ${description}` : `does not match ${String((e.params as { pattern: string }).pattern)}`
}

const typeWords: Record<string, string> = {
  string: 'text in "quotes"',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object { … }',
  array: 'a list [ … ]',
}

function describe(e: ErrorObject): ConfigIssue | undefined {
  const params = e.params as Record<string, unknown>
  const at = e.instancePath
  switch (e.keyword) {
    case 'required':
      return { path: pointer(at, String(params.missingProperty)), message: 'is required' }
    case 'additionalProperties': {
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}).filter((k) => k !== '$schema')
      return {
        path: pointer(at, String(params.additionalProperty)),
        message: `is not a known setting${known.length > 0 ? ` (known here: ${known.join(', ')})` : ''}`,
      }
    }
    case 'type':
      return { path: at, message: `must be ${typeWords[String(params.type)] ?? String(params.type)}, not ${JSON.stringify(e.data)}` }
    case 'minimum':
    case 'maximum':
      return { path: at, message: `${JSON.stringify(e.data)} is too ${e.keyword === 'minimum' ? 'small' : 'large'}; it must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}` }
    case 'minLength':
      return { path: at, message: params.limit === 1 ? 'must not be empty' : `is shorter than ${String(params.limit)} characters` }
    case 'maxLength':
      return { path: at, message: `is longer than ${String(params.limit)} characters` }
    case 'minItems':
      return { path: at, message: `must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}` }
    case 'uniqueItems': {
      // Point at the later of the two copies: the earlier one is the one to keep.
      const later = Math.max(Number(params.i), Number(params.j))
      return { path: pointer(at, later), message: `${JSON.stringify((e.data as unknown[])[later])} is listed twice` }
    }
    case 'enum':
      return { path: at, message: `${JSON.stringify(e.data)} is not one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` }
    case 'pattern':
      return { path: at, message: `${JSON.stringify(e.data)} ${nameReason(e)}` }
    case 'allOf':
    case 'not':
      // allOf only wraps the failures already reported; `not` appears only under propertyNames.
      return undefined
    default:
      return { path: at, message: e.message ?? `fails ${e.keyword}` }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Checks a schema cannot express. Defensive about shapes: the schema may have failed too. */
function semanticIssues(doc: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  if (!isObject(doc)) return issues
  const root = doc

  if (typeof root.timezone === 'string' && root.timezone !== 'local' && resolveTimeZone(root.timezone) === undefined) {
    issues.push({ path: '/timezone', message: `unknown time zone "${root.timezone}"; use "local" or an IANA name such as "Europe/Berlin"` })
  }

  const classes = isObject(root.classes) ? root.classes : {}
  for (const [className, fields] of Object.entries(classes)) {
    if (!isObject(fields)) continue
    for (const field of Object.keys(fields)) {
      // An `_ip` field also fills `<name minus _ip>_port` (SPEC §3); that column must be free.
      if (!field.endsWith('_ip')) continue
      const port = `${field.slice(0, -3)}_port`
      if (port in fields || RESERVED_COLUMNS.includes(port)) {
        issues.push({ path: pointer(pointer('/classes', className), field), message: `"${field}" also makes the column "${port}", which is already taken` })
      }
    }
  }

  const engines = Array.isArray(root.engines) ? root.engines : []
  const names = new Map<string, number>()
  // TLS listens on TCP ports: a tls address clashes with a tcp one as with another tls one.
  const bound: { protocol: 'udp' | 'tcp'; address: ListenAddress; text: string; path: string; engine: string }[] = []
  engines.forEach((engine, i) => {
    if (!isObject(engine)) return
    const base = pointer('/engines', i)
    const name = typeof engine.name === 'string' ? engine.name : `#${i}`
    if (typeof engine.name === 'string') {
      const first = names.get(engine.name)
      if (first === undefined) names.set(engine.name, i)
      else issues.push({ path: pointer(base, 'name'), message: `engine name "${engine.name}" is already used by /engines/${first}` })
    }
    if (typeof engine.class === 'string' && !(engine.class in classes)) {
      const known = Object.keys(classes)
      issues.push({
        path: pointer(base, 'class'),
        message: `unknown class "${engine.class}"; ${known.length > 0 ? `defined classes: ${known.join(', ')}` : 'no classes are defined'}`,
      })
    }
    for (const kind of ['udp', 'tcp', 'tls'] as const) {
      const list = isObject(engine.listen) && Array.isArray(engine.listen[kind]) ? engine.listen[kind] : []
      const protocol = kind === 'udp' ? 'udp' : 'tcp'
      list.forEach((entry, j) => {
        const text = kind === 'tls' ? (isObject(entry) ? entry.address : undefined) : entry
        if (typeof text !== 'string') return
        const at = pointer(pointer(pointer(base, 'listen'), kind), j)
        const path = kind === 'tls' ? pointer(at, 'address') : at
        const address = parseListenAddress(text)
        if (typeof address === 'string') {
          issues.push({ path, message: address })
          return
        }
        const clash = bound.find((b) => b.protocol === protocol && listenOverlaps(b.address, address))
        if (clash) {
          const owner = clash.engine === name ? 'this engine' : `engine "${clash.engine}"`
          issues.push({ path, message: `"${text}" binds the same ${protocol.toUpperCase()} port as "${clash.text}" of ${owner} (${clash.path})` })
        }
        bound.push({ protocol, address, text, path, engine: name })
      })
    }
    if (engine.structured_data === true && engine.syslog_header === 'off') {
      issues.push({ path: pointer(base, 'structured_data'), message: 'needs syslog_header "auto": structured data is read from the RFC 5424 header' })
    }
    const senders = Array.isArray(engine.senders) ? engine.senders : []
    const senderNames = new Map<string, number>()
    senders.forEach((sender, k) => {
      if (!isObject(sender)) return
      const path = pointer(pointer(base, 'senders'), k)
      if (typeof sender.name === 'string') {
        const first = senderNames.get(sender.name)
        if (first === undefined) senderNames.set(sender.name, k)
        else issues.push({ path: pointer(path, 'name'), message: `sender name "${sender.name}" is already used by ${pointer(pointer(base, 'senders'), first)}` })
      }
      if (typeof sender.match === 'string') {
        const reason = checkSenderMatch(sender.match)
        if (reason !== undefined) issues.push({ path: pointer(path, 'match'), message: reason })
      }
    })
  })
  return issues
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const key = `${i.path}\n${i.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Sorts by path, comparing array indexes as numbers so /engines/2 comes before /engines/10. */
export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const key = (p: string) => p.split('/')
  return issues.sort((a, b) => {
    const x = key(a.path)
    const y = key(b.path)
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] === y[i]) continue
      const [m, n] = [Number(x[i]), Number(y[i])]
      if (Number.isInteger(m) && Number.isInteger(n) && x[i] !== '' && y[i] !== '') return m - n
      return x[i]! < y[i]! ? -1 : 1
    }
    return x.length - y.length
  })
}
