import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { checkClass, classColumns, extract, extractAsync, rowColumns } from '../../src/engine/extract.js'
import { corpusExpected, corpusLines, mikrotik5 } from '../support/corpus.js'
import { rowsOf } from '../support/columns.js'

const conformance = suite('extract: corpus conformance')

for (const name of ['mikrotik-20k', 'edge']) {
  conformance(`${name}.log gives exactly ${name}.expected.jsonl`, () => {
    const lines = corpusLines(`${name}.log`)
    const expected = corpusExpected(`${name}.expected.jsonl`)
    const r = extract(mikrotik5(), lines)
    assert.is(r.rowCount, lines.length)
    const rows = rowsOf(r.columns, r.rowCount)
    let compared = 0
    rows.forEach((row, i) => {
      assert.equal(Object.keys(row), Object.keys(expected[i]!), `line ${i + 1}: columns`)
      for (const [k, v] of Object.entries(expected[i]!)) {
        assert.is(row[k], v, `line ${i + 1}, column ${k}`)
        compared++
      }
    })
    assert.is(compared, lines.length * 8)
  })
}
conformance.run()

const semantics = suite('extract: SPEC §3 semantics')

semantics('columns follow the class, _ip fields split into address and integer port', () => {
  assert.equal(
    classColumns(mikrotik5()).map((c) => `${c.name}:${c.type}`),
    ['pppoe:varchar', 'router_identity:varchar', 'user_ip:varchar', 'user_port:integer',
      'destination_ip:varchar', 'destination_port:integer', 'nat_ip:varchar', 'nat_port:integer'],
  )
})

semantics('named groups fill one column each; IPv6 in brackets', () => {
  const r = extract(
    { name: 'c', fields: [{ name: 'flow', pattern: '(?P<src_ip>\\S+) > (?P<proto>\\w+)' }] },
    ['[2001:db8:0::1]:443 > tcp', 'nothing'],
  )
  assert.equal(rowsOf(r.columns, r.rowCount), [
    { src_ip: '2001:db8::1', src_port: 443, proto: 'tcp' },
    { src_ip: null, src_port: null, proto: null },
  ])
})

semantics('trailing newline, CRLF and NUL are trimmed; invalid UTF-8 is replaced and counted', () => {
  const cls = { name: 'c', fields: [{ name: 'all', pattern: '.*' }] }
  const r = extract(cls, ['a\n', 'b\r\n', 'c\0', Buffer.from([0x78, 0xff, 0x79]), 'n\0ul'])
  assert.equal(r.columns[0]!.values, ['a', 'b', 'c', 'x\uFFFDy', 'n\0ul'])
  assert.is(r.invalidUtf8, 1)
})

semantics('look-around and back-references use the backtracking engine', () => {
  const r = extract({ name: 'c', fields: [{ name: 'u', pattern: '(?<=user=)\\w+' }, { name: 'd', pattern: '(\\w)\\1' }] }, [
    'user=bob xx',
  ])
  assert.equal(rowsOf(r.columns, 1), [{ u: 'bob', d: 'x' }])
})

semantics('a quadratic look-around on a 60 KB line stops at its budget: NULL, and the field named', () => {
  // Issue 16: `(?=.*z)` reads the rest of the line at every start, seconds on 60 KB.
  const cls = { name: 'c', fields: [{ name: 'z', pattern: '(?=.*z)\\w+' }, { name: 'id', pattern: 'id=(\\d+)' }] }
  const started = performance.now()
  const r = extract(cls, [`id=1 ${'a'.repeat(60_000)}`, 'id=2 zz'])
  const took = performance.now() - started
  assert.ok(took < 100, `took ${Math.round(took)} ms`)
  assert.equal(rowsOf(r.columns, 2), [{ z: null, id: '1' }, { z: 'id', id: '2' }])
  assert.equal(r.overBudget, [{ line: 0, field: 'z' }])
})

semantics('extractAsync gives what extract gives and leaves the event loop free meanwhile', async () => {
  const cls = { name: 'c', fields: [{ name: 'last', pattern: '(\\d+)(?!.*\\d)' }, { name: 'z', pattern: '(?=.*z)\\w+' }] }
  // Each line takes both fields to their budget: a few hundred ms of work in all.
  const lines = Array.from({ length: 40 }, (_, i) => `${i} ${'1 '.repeat(30_000)}`)
  let longestGap = 0
  let last = performance.now()
  const ticker = setInterval(() => {
    const now = performance.now()
    longestGap = Math.max(longestGap, now - last)
    last = now
  }, 5)
  const started = performance.now()
  const r = await extractAsync(cls, lines)
  const took = performance.now() - started
  clearInterval(ticker)
  assert.equal(r.overBudget, lines.flatMap((_, line) => [{ line, field: 'last' }, { line, field: 'z' }]))
  assert.equal(rowsOf(r.columns, r.rowCount), lines.map(() => ({ last: null, z: null })))
  // On the JavaScript thread the longest gap would be all of the work.
  assert.ok(took > 100, `the work took ${Math.round(took)} ms, too little to show anything`)
  assert.ok(longestGap < took / 3, `the event loop stalled ${Math.round(longestGap)} ms during ${Math.round(took)} ms of work`)
  const normal = ['user=bob 12 xx 7', 'nothing']
  const both = { name: 'c', fields: [{ name: 'u', pattern: '(?<=user=)\\w+' }, { name: 'last', pattern: '(\\d+)(?!.*\\d)' }] }
  assert.equal(await extractAsync(both, normal), extract(both, normal))
  await extractAsync({ name: 'c', fields: [{ name: 'bad', pattern: 'a(' }] }, ['x']).then(
    () => assert.unreachable('a bad pattern must reject'),
    (err: Error) => assert.match(err.message, /class 'c', field 'bad': invalid regex at position 1/),
  )
})

semantics('a bad pattern names class, field and position', () => {
  const cls = { name: 'fw', fields: [{ name: 'ok', pattern: 'a' }, { name: 'broken', pattern: 'ab(c' }] }
  assert.equal(checkClass(cls), {
    field: 'broken',
    position: 2,
    message: "class 'fw', field 'broken': invalid regex at position 2: unclosed group",
  })
  assert.throws(() => extract(cls, ['x']), /class 'fw', field 'broken': invalid regex at position 2/)
  assert.is(checkClass(mikrotik5()), null)
})

semantics('reserved and duplicate column names are refused', () => {
  assert.match(checkClass({ name: 'c', fields: [{ name: 'sender', pattern: 'a' }] })!.message, /reserved/)
  // Issue 8's header column, whether or not an engine stores it.
  assert.match(checkClass({ name: 'c', fields: [{ name: 'structured_data', pattern: 'a' }] })!.message, /reserved/)
  assert.throws(() => extract({ name: 'c', fields: [{ name: 'structured_data', pattern: 'a' }] }, ['a']), /reserved/)
  assert.match(
    checkClass({ name: 'c', fields: [{ name: 'a_ip', pattern: 'a' }, { name: 'a_port', pattern: 'b' }] })!.message,
    /already produced by field 'a_ip'/,
  )
})
semantics('row columns: the header columns, structured_data unless turned off, the class, original_log', () => {
  const cls = { name: 'c', fields: [{ name: 'user', pattern: 'user=(\\w+)' }] }
  const header = ['sender_ip', 'sender', 'facility', 'severity', 'hostname', 'app_name', 'proc_id', 'msg_id', 'log_time']
  assert.equal(rowColumns(cls).map((c) => c.name), [...header, 'structured_data', 'user', 'original_log'])
  assert.equal(rowColumns(cls, false).map((c) => c.name), [...header, 'user', 'original_log'])
})
semantics.run()
