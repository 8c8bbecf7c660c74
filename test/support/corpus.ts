/**
 * @module
 * The shared test corpus (`../shared/corpus`, or `LOGSIFT_CORPUS`): the Mikrotik class,
 * its log lines and the values the original Python tool extracted from them.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClassDefinition } from '../../src/engine/extract.js'

/** Absolute path of the corpus folder. */
export const corpusDir =
  process.env.LOGSIFT_CORPUS ?? fileURLToPath(new URL('../../../shared/corpus/', import.meta.url))

/** The five-regex benchmark class, fields in file order. */
export function mikrotik5(): ClassDefinition {
  const json = JSON.parse(readFileSync(join(corpusDir, 'mikrotik5.class.json'), 'utf8')) as Record<
    string,
    Record<string, string>
  >
  const [name, fields] = Object.entries(json)[0]!
  return { name, fields: Object.entries(fields).map(([field, pattern]) => ({ name: field, pattern })) }
}

/** Lines of a corpus log (one datagram each, no trailing newline). */
export function corpusLines(file: string): string[] {
  const text = readFileSync(join(corpusDir, file), 'utf8')
  return text.replace(/\n$/, '').split('\n')
}

/** Expected column values per line. */
export function corpusExpected(file: string): Record<string, string | number | null>[] {
  return corpusLines(file).map((l) => JSON.parse(l) as Record<string, string | number | null>)
}
