/**
 * @module
 * Classes (SPEC §2, §6): every class with its fields and the engines using it, and the
 * form that creates one. Viewers see the list only.
 */
import { CsrfField } from '../components/csrf-field.js'
import { Field } from '../components/field.js'
import { Alert } from '../components/alert.js'
import { PageHeader } from '../components/page-header.js'
import { TableCard } from '../components/table-card.js'

/** One class in the list. */
export interface ClassRow {
  name: string
  fields: string[]
  usedBy: string[]
}

/** Values and errors of "New class". */
export interface NewClassForm {
  name?: string
  field?: string
  pattern?: string
  errors?: Partial<Record<'name' | 'field' | 'pattern', string>>
}

/** Props of {@link ClassesPage}. */
export interface ClassesPageProps {
  classes: ClassRow[]
  csrfToken: string
  canEdit: boolean
  form?: NewClassForm
}

/** The class list and "New class". */
export function ClassesPage({ classes, csrfToken, canEdit, form = {} }: ClassesPageProps) {
  const errors = form.errors ?? {}
  return (
    <>
      <PageHeader title="Classes" description="A class names the fields extracted from each line, one regular expression per field." />
      <div class="stack">
        <TableCard
          titleId="classes-title"
          count={classes.length}
          noun={['class', 'classes']}
          head={
            <>
              <th scope="col">Class</th>
              <th scope="col">Fields</th>
              <th scope="col">Used by</th>
            </>
          }
        >
          {classes.map((k) => (
            <tr id={`class-${k.name}`}>
              <td data-label="Class"><a class="cell-title" href={`/classes/${k.name}`}>{k.name}</a></td>
              <td data-label="Fields">{k.fields.map((f) => <code class="address">{f}</code>)}</td>
              <td data-label="Used by">{k.usedBy.length === 0 ? <span class="muted">no engine</span> : k.usedBy.join(', ')}</td>
            </tr>
          ))}

        </TableCard>
        {canEdit && (
          <section class="card" aria-labelledby="new-class-title">
            <h2 id="new-class-title">New class</h2>
            {Object.keys(errors).length > 0 && <Alert kind="error">Please correct the fields marked below.</Alert>}
            <form method="post" action="/classes" class="form form-grid">
              <CsrfField token={csrfToken} />
              <Field name="name" label="Class name" idPrefix="new-class" value={form.name} required error={errors.name}
                hint="Lower case letters, digits and _; starts with a letter." />
              <Field name="field" label="First field" idPrefix="new-class" value={form.field} required error={errors.field}
                hint="A column name; a name ending in _ip also gives a _port column." />
              <Field name="pattern" label="Its regular expression" idPrefix="new-class" value={form.pattern} required error={errors.pattern}
                hint="Capture group 1 is the value; named groups give one column each." />
              <div class="form-actions">
                <button type="submit" class="button button-primary">Create class</button>
              </div>
            </form>
          </section>
        )}
      </div>
    </>
  )
}
