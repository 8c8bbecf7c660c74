/**
 * @module
 * Engines (SPEC §6): list (viewer+), create, edit and delete (admin). Every change goes
 * through `changeConfig` — validated, saved atomically with a `.bak`, applied live — and
 * leaves an audit entry. A port in use comes back as a message in the form; the file
 * then keeps the previous document.
 */
import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { TCP_LIMIT_LABELS, TLS_LISTEN_KEYS, type EngineFormValues, type TcpLimitKey, type TlsListenKey, type TlsListenValues } from '../../../views/components/engine-form.js'
import { EnginePage } from '../../../views/pages/engine-page.js'
import type { ListenSocket } from '../../../views/partials/engine-card.js'
import { EnginesPage, type EngineRow } from '../../../views/pages/engines-page.js'
import type { RawTcpLimits } from '../../config/raw-config.js'
import type { DataSizeTracker } from '../../system/data-size-tracker.js'
import { audit } from '../audit.js'
import { changeConfig, ConfigChangeError, readDocument, type ConfigDocument } from '../config-edit.js'
import { canEdit, parseCount, requireControl } from '../control-access.js'
import type { ConsoleControl } from '../control.js'
import { engineCardProps, listenSockets } from '../engine-card-props.js'
import { readForm, readRepeatedForm } from '../form.js'
import { requireRole } from '../middleware/auth/index.js'
import { setFlash } from '../middleware/flash/index.js'
import type { RateSampler } from '../rate-sampler.js'

/** What {@link enginesRoutes} needs. */
export interface EnginesRoutesOptions {
  control?: ConsoleControl | undefined
  rates?: RateSampler | undefined
  dataSizes: DataSizeTracker
}

type EngineDoc = ConfigDocument['engines'][number]

const TCP_LIMIT_KEYS = Object.keys(TCP_LIMIT_LABELS) as TcpLimitKey[]

function valuesOf(e: EngineDoc): EngineFormValues {
  return {
    name: e.name,
    className: e.class,
    udp: (e.listen?.udp ?? []).join('\n'),
    tcp: (e.listen?.tcp ?? []).join('\n'),
    tls: (e.listen?.tls ?? []).map((t) => ({ address: t.address, cert: t.cert, key: t.key, client_ca: t.client_ca ?? '' })),
    tcpLimits: Object.fromEntries(TCP_LIMIT_KEYS.map((k) => [k, e.tcp_limits?.[k] === undefined ? '' : String(e.tcp_limits[k])])),
    keepOriginalLog: e.keep_original_log ?? true,
    threads: String(e.threads ?? 2),
    receiveBufferBytes: e.receive_buffer_bytes === undefined ? '' : String(e.receive_buffer_bytes),
    retentionDays: e.retention_days === undefined ? '' : String(e.retention_days),
    syslogHeader: e.syslog_header ?? 'auto',
  }
}

/** Addresses typed one per line (or comma-separated). */
const addressList = (text: string) => text.split(/[\n,]/).map((a) => a.trim()).filter(Boolean)

/** The TLS listener rows as typed, trimmed; rows left wholly empty are dropped. */
function tlsRows(list: (name: string) => string[]): TlsListenValues[] {
  const column = (k: TlsListenKey) => list(`tls_${k}`).map((v) => v.trim())
  const [address, cert, key, clientCa] = [column('address'), column('cert'), column('key'), column('client_ca')]
  const rows = Math.max(address.length, cert.length, key.length, clientCa.length)
  return Array.from({ length: rows }, (_, i) => ({ address: address[i] ?? '', cert: cert[i] ?? '', key: key[i] ?? '', client_ca: clientCa[i] ?? '' }))
    .filter((row) => TLS_LISTEN_KEYS.some((k) => row[k] !== ''))
}

/** Reads the form into values (as typed) and, when they parse, the engine entry. */
async function readEngineForm(c: Context, base: EngineDoc | undefined): Promise<{ values: EngineFormValues; engine?: EngineDoc }> {
  const { field, list } = await readRepeatedForm(c)
  const values: EngineFormValues = {
    name: base?.name ?? field('name').trim(),
    className: field('class'),
    udp: field('udp'),
    tcp: field('tcp'),
    tls: tlsRows(list),
    tcpLimits: Object.fromEntries(TCP_LIMIT_KEYS.map((k) => [k, field(k)])),
    keepOriginalLog: field('keep_original_log') === 'on',
    threads: field('threads'),
    receiveBufferBytes: field('receive_buffer_bytes'),
    retentionDays: field('retention_days'),
    syslogHeader: field('syslog_header') === 'off' ? 'off' : 'auto',
    errors: {},
  }
  const errors = values.errors!
  const udp = addressList(values.udp!)
  if (udp.length === 0) errors.udp = 'Give at least one address, like 0.0.0.0:5514.'
  const tcp = addressList(values.tcp!)
  const threads = parseCount(values.threads!, 'Threads')
  if (threads.error) errors.threads = threads.error
  const buffer = parseCount(values.receiveBufferBytes!, 'The buffer size')
  if (buffer.error) errors.receive_buffer_bytes = buffer.error
  const retention = parseCount(values.retentionDays!, 'Retention')
  if (retention.error) errors.retention_days = retention.error
  const tcpLimits: Partial<RawTcpLimits> = {}
  for (const k of TCP_LIMIT_KEYS) {
    const limit = parseCount(values.tcpLimits![k]!, TCP_LIMIT_LABELS[k])
    if (limit.error) errors[k] = limit.error
    else if (limit.value !== undefined) tcpLimits[k] = limit.value
  }
  if (Object.keys(errors).length > 0) return { values }
  // Paths, addresses and the presence of cert and key are checked by validation, which
  // names the row and field of each problem.
  const tls = values.tls!.map(({ address, cert, key, client_ca }) => ({ address, cert, key, ...(client_ca !== '' && { client_ca }) }))
  const engine: EngineDoc = {
    ...base,
    name: values.name!,
    class: values.className!,
    listen: { udp, ...(tcp.length > 0 && { tcp }), ...(tls.length > 0 && { tls }) },
  }
  engine.threads = threads.value ?? 2
  engine.keep_original_log = values.keepOriginalLog!
  engine.syslog_header = values.syslogHeader as 'auto' | 'off'
  delete engine.receive_buffer_bytes
  delete engine.retention_days
  delete engine.tcp_limits
  if (buffer.value !== undefined) engine.receive_buffer_bytes = buffer.value
  if (retention.value !== undefined) engine.retention_days = retention.value
  if (Object.keys(tcpLimits).length > 0) engine.tcp_limits = tcpLimits
  engine.senders ??= []
  return { values, engine }
}

/** Where a stopped engine would listen, as its config says. */
function configuredSockets(listen: EngineDoc['listen']): ListenSocket[] {
  return [
    ...(listen?.udp ?? []).map((address) => ({ protocol: 'udp' as const, address })),
    ...(listen?.tcp ?? []).map((address) => ({ protocol: 'tcp' as const, address })),
    ...(listen?.tls ?? []).map((t) => ({ protocol: 'tls' as const, address: t.address })),
  ]
}

/** Where an engine listens, for the audit log: UDP always, TCP and TLS when it has them. */
function listenSummary(listen: EngineDoc['listen']): string {
  const parts = [`udp ${listen!.udp.join(' ')}`]
  if (listen!.tcp) parts.push(`tcp ${listen!.tcp.join(' ')}`)
  if (listen!.tls) parts.push(`tls ${listen!.tls.map((t) => t.address).join(' ')}`)
  return parts.join(', ')
}

/** Puts the messages of a refused change next to the fields they are about. */
function placeErrors(err: ConfigChangeError, index: number, values: EngineFormValues): void {
  const errors = (values.errors ??= {})
  const at = `/engines/${index}`
  const pick = (path: string) => err.at(path)?.replace(/^[^:]*: /, '')
  const fields = {
    name: `${at}/name`,
    class: `${at}/class`,
    udp: `${at}/listen/udp`,
    tcp: `${at}/listen/tcp`,
    threads: `${at}/threads`,
    receive_buffer_bytes: `${at}/receive_buffer_bytes`,
    retention_days: `${at}/retention_days`,
    ...Object.fromEntries(TCP_LIMIT_KEYS.map((k) => [k, `${at}/tcp_limits/${k}`])),
  }
  let placed = false
  for (const [key, path] of Object.entries(fields)) {
    const m = pick(path)
    if (!m) continue
    errors[key as keyof typeof fields] = m
    placed = true
  }
  values.tls?.forEach((row, j) => {
    for (const k of TLS_LISTEN_KEYS) {
      const m = pick(`${at}/listen/tls/${j}/${k}`)
      if (!m) continue
      ;(row.errors ??= {})[k] = m
      placed = true
    }
  })
  if (placed) return
  const all = err.problems.join(' ')
  // The server refused to bind or to load a certificate: that is about what was typed
  // for the listener it names ("bind tcp 127.0.0.1:6514: …", "tls listener 127.0.0.1:6514: …").
  const tlsRefused = /tls listener (\S+): /.exec(all)?.[1]
  const tcpRefused = /bind tcp (\S+): /.exec(all)?.[1]
  const tlsRow = values.tls?.find((r) => r.address === (tlsRefused ?? tcpRefused))
  if (tcpRefused !== undefined && addressList(values.tcp ?? '').includes(tcpRefused)) errors.tcp = all
  else if (tlsRow) (tlsRow.errors ??= {})[tlsRefused === undefined ? 'address' : 'cert'] = all
  else if (/address already in use|cannot assign requested address|permission denied/i.test(all)) errors.udp = all
  else errors.form = all
}

/** `/engines` and its actions; mount at `/engines`. */
export function enginesRoutes({ control, rates, dataSizes }: EnginesRoutesOptions): Hono {
  const app = new Hono()

  async function list(c: Context, form?: EngineFormValues) {
    const ctl = requireControl(control)
    const doc = await readDocument(ctl)
    const sizes = new Map(dataSizes.sizes().map((s) => [s.name, s.bytes]))
    const engines: EngineRow[] = doc.engines.map((e) => {
      const runner = ctl.supervisor.engine(e.name)
      const last = rates?.series(e.name).at(-1)
      return {
        name: e.name,
        className: e.class,
        listen: runner ? listenSockets(runner) : configuredSockets(e.listen),
        state: runner?.state ?? 'stopped',
        receivedPerS: last?.received ?? 0,
        storedPerS: last?.stored ?? 0,
        dataBytes: sizes.get(e.name),
        senders: e.senders?.length ?? 0,
      }
    })
    return c.render(
      <EnginesPage engines={engines} classes={Object.keys(doc.classes)} csrfToken={c.var.csrfToken} canEdit={canEdit(c)} {...(form ? { form } : {})} />,
      { title: 'Engines', active: 'engines' },
    )
  }

  async function one(c: Context, name: string, values?: EngineFormValues, deleteError?: string) {
    const ctl = requireControl(control)
    const doc = await readDocument(ctl)
    const e = doc.engines.find((x) => x.name === name)
    if (!e) throw new HTTPException(404, { message: `There is no engine "${name}".` })
    const runner = ctl.supervisor.engine(name)
    const sizes = new Map(dataSizes.sizes().map((s) => [s.name, s.bytes]))
    return c.render(
      <EnginePage name={name} classes={Object.keys(doc.classes)} csrfToken={c.var.csrfToken} canEdit={canEdit(c)}
        values={values ?? valuesOf(e)} dataDir={join(ctl.supervisor.current.dataDir, name)} deleteError={deleteError}
        card={runner && rates ? engineCardProps(runner, rates, sizes) : undefined} timeZone={c.var.timeZone} />,
      { title: `Engine ${name}`, active: 'engines' },
    )
  }

  app.get('/', (c) => list(c))
  app.get('/:name', (c) => one(c, c.req.param('name')))

  app.post('/', requireRole('admin'), async (c) => {
    const ctl = requireControl(control)
    const { values, engine } = await readEngineForm(c, undefined)
    if (engine) {
      try {
        await changeConfig(ctl, (doc) => {
          if (doc.engines.some((e) => e.name === engine.name)) {
            throw new ConfigChangeError([`/engines/${doc.engines.length}/name: an engine with this name exists`], [`/engines/${doc.engines.length}/name`])
          }
          doc.engines.push(engine)
        })
        await audit(c, 'engine.created', engine.name, `class ${engine.class}, ${listenSummary(engine.listen)}`)
        setFlash(c, { kind: 'success', text: `Engine ${engine.name} created and receiving. Add its senders next.` })
        return c.redirect(`/senders/${engine.name}`, 303)
      } catch (err) {
        if (!(err instanceof ConfigChangeError)) throw err
        const doc = await readDocument(ctl)
        placeErrors(err, doc.engines.length, values)
      }
    }
    c.status(422)
    return list(c, values)
  })

  app.post('/:name', requireRole('admin'), async (c) => {
    const ctl = requireControl(control)
    const name = c.req.param('name')
    const engines = (await readDocument(ctl)).engines
    const before = engines.findIndex((e) => e.name === name)
    if (before < 0) throw new HTTPException(404, { message: `There is no engine "${name}".` })
    const base = engines[before]!
    const { values, engine } = await readEngineForm(c, base)
    if (engine) {
      try {
        await changeConfig(ctl, (doc) => {
          const i = doc.engines.findIndex((e) => e.name === name)
          if (i < 0) throw new ConfigChangeError([`engine ${name} was deleted meanwhile`], [''])
          doc.engines[i] = { ...engine, senders: doc.engines[i]!.senders ?? [] }
        })
        await audit(c, 'engine.updated', name, `class ${engine.class}, ${listenSummary(engine.listen)}, threads ${engine.threads}`)
        setFlash(c, { kind: 'success', text: `Engine ${name} saved and applied.` })
        return c.redirect(`/engines/${name}`, 303)
      } catch (err) {
        if (!(err instanceof ConfigChangeError)) throw err
        placeErrors(err, before, values)
      }
    }
    c.status(422)
    return one(c, name, values)
  })

  app.post('/:name/delete', requireRole('admin'), async (c) => {
    const ctl = requireControl(control)
    const name = c.req.param('name')
    const keep = (await readForm(c))('keep_data') !== 'no'
    const dataDir = ctl.supervisor.current.dataDir
    try {
      await changeConfig(ctl, (doc) => {
        const i = doc.engines.findIndex((e) => e.name === name)
        if (i < 0) throw new HTTPException(404, { message: `There is no engine "${name}".` })
        doc.engines.splice(i, 1)
      })
    } catch (err) {
      if (!(err instanceof ConfigChangeError)) throw err
      c.status(409)
      return one(c, name, undefined, err.problems.join(' '))
    }
    // The reload stopped the engine and closed its files, so they can go now.
    if (!keep) await rm(join(dataDir, name), { recursive: true, force: true })
    await audit(c, 'engine.deleted', name, keep ? 'data kept' : 'data deleted')
    setFlash(c, { kind: 'success', text: `Engine ${name} deleted; its data was ${keep ? 'kept' : 'deleted'}.` })
    return c.redirect('/engines', 303)
  })

  return app
}
