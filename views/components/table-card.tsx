/**
 * @module
 * A flush card holding one table, titled with how many rows it lists ("1 engine",
 * "3 engines"): the list pages of the console (engines, classes, senders, users) share it.
 */
import type { Child } from 'hono/jsx'

/** Props of {@link TableCard}. */
export interface TableCardProps {
  /** Id of the title, which labels the section. */
  titleId: string
  /** Rows listed. */
  count: number
  /** The noun for one row and for several: `['engine', 'engines']`. */
  noun: readonly [string, string]
  /** Header cells (`<th scope="col">`). */
  head: Child
  /** Shown between the title and the table, e.g. when the list is empty. */
  note?: Child
  /** Id of the `<tbody>`, for htmx swaps. */
  bodyId?: string
  children?: Child
}

/** The card, its counted title and the table with `head` and the rows given as children. */
export function TableCard({ titleId, count, noun, head, note, bodyId, children }: TableCardProps) {
  return (
    <section class="card card-flush" aria-labelledby={titleId}>
      <h2 id={titleId} class="card-flush-title">
        {count === 1 ? `1 ${noun[0]}` : `${count} ${noun[1]}`}
      </h2>
      {note}
      <div class="table-wrap">
        <table class="table table-stack">
          <thead>
            <tr>{head}</tr>
          </thead>
          <tbody id={bodyId}>{children}</tbody>
        </table>
      </div>
    </section>
  )
}
