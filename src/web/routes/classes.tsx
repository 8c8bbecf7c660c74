/**
 * @module
 * Classes (SPEC §6): list, create, edit, delete (refused while an engine uses the class),
 * and the regex tester, which anyone signed in may run: it changes nothing. Saving goes
 * through `changeConfig` (the native compiler checks every pattern first) and the audit log.
 */
import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ClassPage, type ClassPageProps } from '../../../views/pages/class-page.js'
import { ClassesPage, type NewClassForm } from '../../../views/pages/classes-page.js'
import { TesterResultView } from '../../../views/partials/tester-result.js'
import { audit } from '../audit.js'
import { changeConfig, ConfigChangeError, readDocument } from '../config-edit.js'
import { canEdit, requireControl } from '../control-access.js'
import type { ConsoleControl } from '../control.js'
import { readForm, readRepeatedForm } from '../form.js'
import { requireRole } from '../middleware/auth/index.js'
import { setFlash } from '../middleware/flash/index.js'
import { MAX_TEST_LINES, splitLines, testClass } from '../regex-tester.js'

const NAME = /^[a-z][a-z0-9_]{0,62}$/

/** The repeated `field_name`/`field_pattern` inputs, in order; rows with both empty are dropped. */
async function readFields(c: Context): Promise<{ fields: { name: string; pattern: string }[]; form: (n: string) => string }> {
  const { field, list } = await readRepeatedForm(c)
  const names = list('field_name')
  const patterns = list('field_pattern')
  const fields = names
    .map((n, i) => ({ name: n.trim(), pattern: patterns[i] ?? '' }))
    .filter((f) => f.name !== '' || f.pattern !== '')
  return { fields, form: field }
}

/** `/classes` and its actions; mount at `/classes`. */
export function classesRoutes(control: ConsoleControl | undefined): Hono {
  const app = new Hono()

  async function list(c: Context, form?: NewClassForm) {
    const doc = await readDocument(requireControl(control))
    const classes = Object.entries(doc.classes).map(([name, fields]) => ({
      name,
      fields: Object.keys(fields),
      usedBy: doc.engines.filter((e) => e.class === name).map((e) => e.name),
    }))
    return c.render(<ClassesPage classes={classes} csrfToken={c.var.csrfToken} canEdit={canEdit(c)} {...(form ? { form } : {})} />, {
      title: 'Classes',
      active: 'classes',
    })
  }

  async function one(c: Context, name: string, extra: Partial<ClassPageProps> = {}) {
    const ctl = requireControl(control)
    const doc = await readDocument(ctl)
    const cls = doc.classes[name]
    if (!cls) throw new HTTPException(404, { message: `There is no class "${name}".` })
    return c.render(
      <ClassPage
        name={name}
        fields={Object.entries(cls).map(([f, pattern]) => ({ name: f, pattern }))}
        usedBy={doc.engines.filter((e) => e.class === name).map((e) => e.name)}
        engines={ctl.supervisor.engines().map((r) => r.name)}
        csrfToken={c.var.csrfToken}
        canEdit={canEdit(c)}
        {...extra}
      />,
      { title: `Class ${name}`, active: 'classes' },
    )
  }

  app.get('/', (c) => list(c))
  app.get('/:name', (c) => one(c, c.req.param('name')))

  // Before `/:name` so "test" is never taken for a class name.
  app.post('/test', async (c) => {
    const ctl = requireControl(control)
    const { fields, form } = await readFields(c)
    const className = NAME.test(form('class_name')) ? form('class_name') : 'tester'
    let lines: string[]
    let source: string | undefined
    if (form('source') === 'engine') {
      const engine = form('engine')
      const runner = ctl.supervisor.engine(engine)
      if (!runner) throw new HTTPException(404, { message: `There is no running engine "${engine}".` })
      const n = Math.min(MAX_TEST_LINES, Math.max(1, Number.parseInt(form('count'), 10) || 20))
      lines = runner.receiver.recentLines(n)
      source = `the last ${lines.length === 1 ? 'line' : `${lines.length} lines`} of ${engine}`
    } else {
      lines = splitLines(form('lines'))
    }
    const result = await testClass({ name: className, fields }, lines)
    if (result.problem) c.status(422)
    if (c.var.htmx) return c.html(<TesterResultView result={result} source={source} />)
    // Without JavaScript: the class page again, with the fields as typed and the answer.
    const doc = await readDocument(ctl)
    if (!doc.classes[className]) {
      return c.render(<TesterResultView result={result} source={source} />, { title: 'Regex tester', active: 'classes' })
    }
    return one(c, className, { fields, lines: lines.join('\n'), result, resultSource: source })
  })

  app.post('/', requireRole('admin'), async (c) => {
    const field = await readForm(c)
    const form: NewClassForm = { name: field('name').trim(), field: field('field').trim(), pattern: field('pattern'), errors: {} }
    const errors = form.errors!
    if (!NAME.test(form.name!)) errors.name = 'Use lower case letters, digits and _, starting with a letter (at most 63).'
    if (form.field === '') errors.field = 'Give the first field a name.'
    if (form.pattern === '') errors.pattern = 'Give the first field a regular expression.'
    if (Object.keys(errors).length === 0) {
      try {
        await changeConfig(requireControl(control), (doc) => {
          if (doc.classes[form.name!]) throw new ConfigChangeError([`/classes/${form.name}: a class with this name exists`], [`/classes/${form.name}`])
          doc.classes[form.name!] = { [form.field!]: form.pattern! }
        })
        await audit(c, 'class.created', form.name!, `${form.field} = ${form.pattern}`)
        setFlash(c, { kind: 'success', text: `Class ${form.name} created.` })
        return c.redirect(`/classes/${form.name}`, 303)
      } catch (err) {
        if (!(err instanceof ConfigChangeError)) throw err
        const fieldPath = `/classes/${form.name}/${form.field}`
        const m = (err.at(fieldPath) ?? err.problems[0] ?? '').replace(/^[^:]*: /, '')
        if (err.at(fieldPath) && !err.paths.includes(`/classes/${form.name}`)) errors.pattern = m
        else if (err.paths.some((p) => p === `/classes/${form.name}` || p === '/classes')) errors.name = m
        else errors.field = m
      }
    }
    c.status(422)
    return list(c, form)
  })

  app.post('/:name', requireRole('admin'), async (c) => {
    const name = c.req.param('name')
    const { fields, form } = await readFields(c)
    const lines = form('lines')
    const missing = fields.find((f) => f.name === '' || f.pattern === '')
    if (missing) {
      c.status(422)
      return one(c, name, { fields, lines, error: `Every field needs a name and a regular expression (${missing.name || 'unnamed field'}).` })
    }
    if (fields.length === 0) {
      c.status(422)
      return one(c, name, { fields, lines, error: 'A class needs at least one field.' })
    }
    let before: string[] = []
    try {
      await changeConfig(requireControl(control), (doc) => {
        const cls = doc.classes[name]
        if (!cls) throw new HTTPException(404, { message: `There is no class "${name}".` })
        before = Object.keys(cls)
        doc.classes[name] = Object.fromEntries(fields.map((f) => [f.name, f.pattern]))
      })
    } catch (err) {
      if (!(err instanceof ConfigChangeError)) throw err
      const fieldErrors: Record<string, string> = {}
      err.paths.forEach((p, i) => {
        const prefix = `/classes/${name}/`
        if (p.startsWith(prefix)) fieldErrors[p.slice(prefix.length).replace(/~1/g, '/').replace(/~0/g, '~')] = err.problems[i]!.replace(/^[^:]*: /, '')
      })
      c.status(422)
      return one(c, name, { fields, lines, fieldErrors, error: `Not saved: ${err.problems.join(' ')}` })
    }
    const after = fields.map((f) => f.name)
    const added = after.filter((f) => !before.includes(f))
    const removed = before.filter((f) => !after.includes(f))
    await audit(c, 'class.updated', name, [added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : '', `${after.length} fields`].filter(Boolean).join('; '))
    setFlash(c, { kind: 'success', text: `Class ${name} saved and applied.` })
    return c.redirect(`/classes/${name}`, 303)
  })

  app.post('/:name/delete', requireRole('admin'), async (c) => {
    const name = c.req.param('name')
    let users: string[] = []
    try {
      await changeConfig(requireControl(control), (doc) => {
        if (!doc.classes[name]) throw new HTTPException(404, { message: `There is no class "${name}".` })
        users = doc.engines.filter((e) => e.class === name).map((e) => e.name)
        if (users.length > 0) throw new ConfigChangeError([`class ${name} is used by ${users.join(', ')}`], [`/classes/${name}`])
        delete doc.classes[name]
      })
    } catch (err) {
      if (!(err instanceof ConfigChangeError)) throw err
      c.status(409)
      return one(c, name, { deleteError: `Not deleted: ${name} is used by ${users.join(', ')}. Move those engines to another class first.` })
    }
    await audit(c, 'class.deleted', name)
    setFlash(c, { kind: 'success', text: `Class ${name} deleted.` })
    return c.redirect('/classes', 303)
  })

  return app
}
