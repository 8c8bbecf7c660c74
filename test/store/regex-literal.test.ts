/**
 * @module
 * The literal a regex filter tests first: what it finds in patterns, and — checked by
 * DuckDB itself over lines built to contain near misses — that adding `contains(literal)`
 * never drops a row the regex alone matches.
 */
import { DuckDBInstance } from '@duckdb/node-api'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { requiredLiteral } from '../../src/store/regex-literal.js'

const test = suite('requiredLiteral')

const FOUND: [string, string | undefined][] = [
  ['pppoe-user42[0-9]{2}>', 'pppoe-user42'],
  ['pppoe-user424[0-9]>', 'pppoe-user424'],
  ['^2024-05-0[24] line \\d+5 ', '2024-05-0'],
  ['error', 'error'],
  ['src-mac 4c:5e', 'src-mac 4c:5e'],
  // A quantifier that allows zero drops its character; one that repeats it ends the run.
  ['colou?r', 'colo'],
  ['abc*def', 'def'],
  ['ab+cd', 'ab'],
  ['ab{0,3}cdef', 'cdef'],
  ['ab{2}c', 'ab'],
  ['xy*?z', undefined],
  ['a\\.b\\.c', 'a.b.c'],
  ['in:<pppoe-(\\w+)> out', 'in:<pppoe-'],
  ['(?:foo)barbaz', 'barbaz'],
  ['(?P<user>\\w+)@example', '@example'],
  ['[abc]]xyz', ']xyz'],
  ['[]a]qq', 'qq'],
  ['[[:alpha:]]qq', 'qq'],
  ['\\x41BC', 'BC'],
  ['\\101BC', 'BC'],
  ['\\p{Greek}αβγ', 'αβγ'],
  ['\\pLab', 'ab'],
  ['ü+mlaut', 'mlaut'],
  ['a.b', undefined],
  ['foo|bar', undefined],
  ['(?i)error', undefined],
  ['(?i:error)x', undefined],
  ['\\Qa.b\\E', undefined],
  ['needle(', undefined],
  ['needle)', undefined],
  ['a{', undefined],
  ['x', undefined],
  ['', undefined],
]

for (const [pattern, literal] of FOUND) {
  test(`${JSON.stringify(pattern)} → ${JSON.stringify(literal)}`, () => {
    assert.is(requiredLiteral(pattern), literal)
  })
}

test('with the literal tested first, DuckDB matches exactly the rows of the regex alone', async () => {
  const patterns = FOUND.map(([p]) => p).filter((p) => requiredLiteral(p) !== undefined)
  const pieces = ['a', 'b', 'c', 'x', 'y', 'z', '.', 'ab', 'abc', 'def', 'colr', 'color', 'colour', 'colouur', '2024-05-02 line 15 ', 'pppoe-user4242>', 'pppoe-user42>', ']', 'qq', 'ABC', 'αβγ', 'ümlaut', 'ümmlaut', 'mlaut', 'in:<pppoe-u1> out', '@example', 'barbaz', 'abbc', 'src-mac 4c:5e', 'error', 'xyyz', 'xz', 'a.b.c', 'a]xyz', 'ααβγ', 'foo']
  const lines: string[] = []
  for (const a of pieces) for (const b of pieces) lines.push(a + b, `${a} ${b}`)
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  try {
    await c.run('CREATE TABLE t (line VARCHAR)')
    const appender = await c.createAppender('t')
    for (const line of lines) {
      appender.appendVarchar(line)
      appender.endRow()
    }
    appender.closeSync()
    for (const pattern of patterns) {
      const alone = await c.runAndReadAll('SELECT count(*) FROM t WHERE regexp_matches(line, $1)', [pattern])
      const first = await c.runAndReadAll('SELECT count(*) FROM t WHERE contains(line, $1) AND regexp_matches(line, $2)', [requiredLiteral(pattern)!, pattern])
      const n = Number(alone.getRows()[0]![0])
      assert.ok(n > 0, `${pattern} matches some line`)
      assert.is(Number(first.getRows()[0]![0]), n, pattern)
    }
  } finally {
    c.closeSync()
    db.closeSync()
  }
})

test.run()
