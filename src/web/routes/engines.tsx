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
import type { EngineFormValues } from '../../../views/components/engine-form.js'
import { EnginePage } from '../../../views/pages/engine-page.js'
import { EnginesPage, type EngineRow } from '../../../views/pages/engines-page.js'
import type { DataSizeTracker } from '../../system/data-size-tracker.js'
import { audit } from '../audit.js'
import { changeConfig, ConfigChangeError, readDocument, type ConfigDocument } from '../config-edit.js'
import { canEdit, parseCount, requireControl } from '../control-access.js'
import type { ConsoleControl } from '../control.js'
import { readForm } from '../form.js'
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

function valuesOf(e: EngineDoc): EngineFormValues {
  return {
    name: e.name,
    className: e.class,
    udp: (e.listen?.udp ?? []).join('\n'),
    keepOriginalLog: e.keep_original_log ?? true,
    threads: String(e.threads ?? 2),
    receiveBufferBytes: e.receive_buffer_bytes === undefined ? '' : String(e.receive_buffer_bytes),
    retentionDays: e.retention_days === undefined ? '' : String(e.retention_days),
    syslogHeader: e.syslog_header ?? 'auto',
  }
}

/** Reads the form into values (as typed) and, when they parse, the engine entry. */
async function readEngineForm(c: Context, base: EngineDoc | undefined): Promise<{ values: EngineFormValues; engine?: EngineDoc }> {
  const field = await readForm(c)
  const values: EngineFormValues = {
    name: base?.name ?? field('name').trim(),
    className: field('class'),
    udp: field('udp'),
    keepOriginalLog: field('keep_original_log') === 'on',
    threads: field('threads'),
    receiveBufferBytes: field('receive_buffer_bytes'),
    retentionDays: field('retention_days'),
    syslogHeader: field('syslog_header') === 'off' ? 'off' : 'auto',
    errors: {},
  }
  const errors = values.errors!
  const udp = values.udp!.split(/[\n,]/).map((a) => a.trim()).filter(Boolean)
  if (udp.length === 0) errors.udp = 'Give at least one address, like 0.0.0.0:5514.'
  const threads = parseCount(values.threads!, 'Threads')
  if (threads.error) errors.threads = threads.error
  const buffer = parseCount(values.receiveBufferBytes!, 'The buffer size')
  if (buffer.error) errors.receive_buffer_bytes = buffer.error
  const retention = parseCount(values.retentionDays!, 'Retention')
  if (retention.error) errors.retention_days = retention.error
  if (Object.keys(errors).length > 0) return { values }
  // The form edits UDP addresses only; TCP and TLS listeners stay as the file has them.
  const engine: EngineDoc = { ...base, name: values.name!, class: values.className!, listen: { ...base?.listen, udp } }
  engine.threads = threads.value ?? 2
  engine.keep_original_log = values.keepOriginalLog!
  engine.syslog_header = values.syslogHeader as 'auto' | 'off'
  delete engine.receive_buffer_bytes
  delete engine.retention_days
  if (buffer.value !== undefined) engine.receive_buffer_bytes = buffer.value
  if (retention.value !== undefined) engine.retention_days = retention.value
  engine.senders ??= []
  return { values, engine }
}

/** Puts the messages of a refused change next to the fields they are about. */
function placeErrors(err: ConfigChangeError, index: number, values: EngineFormValues): void {
  const errors = (values.errors ??= {})
  const at = `/engines/${index}`
  const pick = (path: string) => err.at(path)?.replace(/^[^:]*: /, '')
  const fields = { name: `${at}/name`, class: `${at}/class`, udp: `${at}/listen`, threads: `${at}/threads`,
    receive_buffer_bytes: `${at}/receive_buffer_bytes`, retention_days: `${at}/retention_days` } as const
  for (const [key, path] of Object.entries(fields)) {
    const m = pick(path)
    if (m) errors[key as keyof typeof fields] = m
  }
  if (Object.keys(errors).length > 0) return
  const all = err.problems.join(' ')
  // The server refused to bind: that is about the addresses typed.
  if (/address already in use|cannot assign requested address|permission denied/i.test(all)) errors.udp = all
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
        udp: runner ? runner.receiver.sockets().filter((s) => s.protocol === 'udp').map((s) => s.address).filter((a, i, all) => all.indexOf(a) === i) : (e.listen?.udp ?? []),
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
    return c.render(
      <EnginePage name={name} classes={Object.keys(doc.classes)} csrfToken={c.var.csrfToken} canEdit={canEdit(c)}
        values={values ?? valuesOf(e)} dataDir={join(ctl.supervisor.current.dataDir, name)} deleteError={deleteError} />,
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
        await audit(c, 'engine.created', engine.name, `class ${engine.class}, udp ${engine.listen!.udp.join(' ')}`)
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
        await audit(c, 'engine.updated', name, `class ${engine.class}, udp ${engine.listen!.udp.join(' ')}, threads ${engine.threads}`)
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
