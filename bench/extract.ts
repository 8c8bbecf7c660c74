/**
 * @module
 * Extraction speed: the 5-regex Mikrotik class over the 20k corpus, in one run, on one
 * core each, medians of several rounds:
 * - the Rust kernel exactly as a receiver thread runs it (bytes in, columns out; the
 *   `extract_speed` example of logsift-core) — this is the ingest path;
 * - the addon's `extract()` called from JS, which adds copying every line in and every
 *   value out as JS strings (what the console's regex tester pays);
 * - V8's `RegExp` doing the same work in JS (search once per field, group 1, `_ip` split
 *   and validation).
 *
 * Run: `npm run bench:extract` (add `-- --rounds 9` for more rounds).
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { isIP } from 'node:net'
import { performance } from 'node:perf_hooks'
import { extract } from '../src/engine/extract.js'
import { corpusDir, corpusLines, mikrotik5 } from '../test/support/corpus.js'

const roundsAt = process.argv.indexOf('--rounds')
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 7
const cls = mikrotik5()
const corpus = corpusLines('mikrotik-20k.log')
// 100k lines per round: long enough to swamp timer noise, short enough for many rounds.
const lines = Array.from({ length: 5 }, () => corpus).flat()

/** The same semantics in plain JS, as a fair V8 baseline. */
function v8Extract(input: string[]): number {
  const res = cls.fields.map((f) => ({ re: new RegExp(f.pattern.replace(/\(\?P</g, '(?<'), 'u'), ip: f.name.endsWith('_ip') }))
  let nonNull = 0
  const out: (string | number | null)[][] = res.map(() => [])
  for (const line of input) {
    for (let i = 0; i < res.length; i++) {
      const { re, ip } = res[i]!
      const m = re.exec(line)
      const v = m ? (m.length > 1 ? (m[1] ?? null) : m[0]) : null
      if (!ip) {
        out[i]!.push(v)
      } else {
        const at = v?.lastIndexOf(':') ?? -1
        const addr = v && at > 0 ? v.slice(0, at) : ''
        const port = v && at > 0 ? v.slice(at + 1) : ''
        const ok = isIP(addr) === 4 && /^\d{1,5}$/.test(port) && Number(port) <= 65535
        out[i]!.push(ok ? addr : null, ok ? Number(port) : null)
      }
      if (v !== null) nonNull++
    }
  }
  return nonNull
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function measure(run: () => void): number[] {
  run() // warm-up: JIT and regex compilation caches
  const rates: number[] = []
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    run()
    rates.push(lines.length / ((performance.now() - t0) / 1000))
  }
  return rates
}

function rustKernel(): number[] {
  execFileSync('cargo', ['build', '--quiet', '--release', '-p', 'logsift-core', '--example', 'extract_speed'], { stdio: 'inherit' })
  const out = execFileSync('target/release/examples/extract_speed', [
    join(corpusDir, 'mikrotik5.class.json'),
    join(corpusDir, 'mikrotik-20k.log'),
    String(rounds),
  ])
  return (JSON.parse(out.toString()) as { rates: number[] }).rates
}

const kernel = rustKernel()
const logsift = measure(() => void extract(cls, lines))
const v8 = measure(() => void v8Extract(lines))
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12)
console.log(`extraction, class ${cls.name} (${cls.fields.length} regexes), ${lines.length.toLocaleString('en-US')} lines/round, ${rounds} rounds, one core`)
console.log(`  ${'what'.padEnd(34)} ${'median lines/s'.padStart(14)} ${'min'.padStart(12)} ${'max'.padStart(12)}`)
for (const [name, r] of [
  ['logsift kernel (ingest path)', kernel],
  ['logsift extract() via N-API', logsift],
  ['V8 RegExp, same semantics', v8],
] as const) {
  console.log(`  ${name.padEnd(34)} ${fmt(median(r))}   ${fmt(Math.min(...r))} ${fmt(Math.max(...r))}`)
}
console.log(`  ratio kernel / V8: ${(median(kernel) / median(v8)).toFixed(2)}x; extract() / V8: ${(median(logsift) / median(v8)).toFixed(2)}x`)
