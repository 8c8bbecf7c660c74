/**
 * @module
 * Senders (SPEC §6): per engine, the ordered list — add, edit, move, delete (admin) —
 * and the unknown senders the engine saw, from `receiver.unknownSenders()`, each one
 * click from being added. Changes go through `changeConfig` and the audit log.
 */
import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { EngineSendersPage, SendersOverview, type SenderForm } from '../../../views/pages/senders-page.js'
import { audit } from '../audit.js'
import { changeConfig, ConfigChangeError, readDocument, type ConfigDocument } from '../config-edit.js'
import { canEdit, requireControl } from '../control-access.js'
import type { ConsoleControl } from '../control.js'
import { readForm } from '../form.js'
import { requireRole } from '../middleware/auth/index.js'
import { setFlash } from '../middleware/flash/index.js'

/** Strips the JSON path a validation message starts with. */
const bare = (m: string | undefined) => m?.replace(/^[^:]*: /, '')

/** `/senders` and its actions; mount at `/senders`. */
export function sendersRoutes(control: ConsoleControl | undefined): Hono {
  const app = new Hono()

  async function page(c: Context, engine: string, extra: { form?: SenderForm; error?: string } = {}) {
    const ctl = requireControl(control)
    const e = (await readDocument(ctl)).engines.find((x) => x.name === engine)
    if (!e) throw new HTTPException(404, { message: `There is no engine "${engine}".` })
    const unknown = (ctl.supervisor.engine(engine)?.receiver.unknownSenders() ?? []).map((u) => ({
      address: u.address,
      count: u.count,
      lastSeenMs: Math.floor(u.lastSeenUs / 1000),
    }))
    return c.render(
      <EngineSendersPage engine={engine} senders={e.senders ?? []} unknown={unknown} csrfToken={c.var.csrfToken} canEdit={canEdit(c)} timeZone={c.var.timeZone} {...extra} />,
      { title: `Senders of ${engine}`, active: 'senders' },
    )
  }

  /** Runs an edit of `engine`'s sender list; a refusal re-renders the page with 422. */
  async function edit(c: Context, engine: string, what: string, details: () => string, flash: () => string, change: (senders: NonNullable<ConfigDocument['engines'][number]['senders']>, index: number) => void, form?: SenderForm) {
    const ctl = requireControl(control)
    let at = -1
    try {
      await changeConfig(ctl, (doc) => {
        at = doc.engines.findIndex((e) => e.name === engine)
        if (at < 0) throw new HTTPException(404, { message: `There is no engine "${engine}".` })
        change((doc.engines[at]!.senders ??= []), at)
      })
    } catch (err) {
      if (!(err instanceof ConfigChangeError)) throw err
      c.status(422)
      if (form) {
        const errors = (form.errors = {} as NonNullable<SenderForm['errors']>)
        const prefix = `/engines/${at}/senders`
        const i = err.paths.findIndex((p) => p.startsWith(prefix))
        const path = i < 0 ? '' : err.paths[i]!
        if (path.endsWith('/name')) errors.name = bare(err.problems[i])
        else errors.match = bare(err.problems[i] ?? err.problems[0])
        return page(c, engine, { form })
      }
      return page(c, engine, { error: err.problems.map(bare).join(' ') })
    }
    await audit(c, what, engine, details())
    setFlash(c, { kind: 'success', text: flash() })
    return c.redirect(`/senders/${engine}`, 303)
  }

  function index(c: Context): number {
    const i = c.req.param('index') ?? ''
    if (!/^\d{1,6}$/.test(i)) throw new HTTPException(404, { message: 'No such sender.' })
    return Number(i)
  }

  function check(senders: unknown[], i: number): void {
    if (i >= senders.length) throw new HTTPException(404, { message: 'No such sender (the list changed meanwhile).' })
  }

  app.get('/', async (c) => {
    const ctl = requireControl(control)
    const doc = await readDocument(ctl)
    return c.render(
      <SendersOverview engines={doc.engines.map((e) => ({ name: e.name, senders: e.senders?.length ?? 0, unknown: ctl.supervisor.engine(e.name)?.receiver.unknownSenders().length ?? 0 }))} />,
      { title: 'Senders', active: 'senders' },
    )
  })

  app.get('/:engine', (c) => page(c, c.req.param('engine')))

  app.post('/:engine', requireRole('admin'), async (c) => {
    const engine = c.req.param('engine')
    const field = await readForm(c)
    const form: SenderForm = { name: field('name').trim(), match: field('match').trim(), fromUnknown: field('from') === 'unknown' }
    return edit(c, engine, 'sender.added', () => `${form.name} = ${form.match}`, () => `Sender ${form.name} added to ${engine}.`, (senders) => {
      senders.push({ name: form.name!, match: form.match! })
    }, form)
  })

  app.post('/:engine/:index', requireRole('admin'), async (c) => {
    const engine = c.req.param('engine')
    const i = index(c)
    const field = await readForm(c)
    const next = { name: field('name').trim(), match: field('match').trim() }
    let before = ''
    return edit(c, engine, 'sender.updated', () => `#${i + 1} ${before} → ${next.name} = ${next.match}`, () => `Sender ${next.name} saved.`, (senders) => {
      check(senders, i)
      before = `${senders[i]!.name} = ${senders[i]!.match}`
      senders[i] = next
    })
  })

  app.post('/:engine/:index/move', requireRole('admin'), async (c) => {
    const engine = c.req.param('engine')
    const i = index(c)
    const up = (await readForm(c))('direction') === 'up'
    const j = up ? i - 1 : i + 1
    return edit(c, engine, 'sender.moved', () => `#${i + 1} ${up ? 'up' : 'down'}`, () => 'Order saved.', (senders) => {
      check(senders, i)
      if (j < 0 || j >= senders.length) return
      ;[senders[i], senders[j]] = [senders[j]!, senders[i]!]
    })
  })

  app.post('/:engine/:index/delete', requireRole('admin'), async (c) => {
    const engine = c.req.param('engine')
    const i = index(c)
    let gone = ''
    return edit(c, engine, 'sender.deleted', () => `#${i + 1} ${gone}`, () => `Sender ${gone} removed from ${engine}.`, (senders) => {
      check(senders, i)
      gone = senders[i]!.name
      senders.splice(i, 1)
    })
  })

  return app
}
