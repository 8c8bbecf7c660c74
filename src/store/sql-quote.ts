/**
 * @module
 * Quoting for the SQL text the store builds: column names come from config and regex
 * group names, paths from the data directory, and DuckDB takes neither as a parameter
 * in DDL, `ATTACH` or `COPY … TO`.
 */

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** Quotes an SQL string literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}
