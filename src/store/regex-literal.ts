/**
 * @module
 * A literal that every match of a regular expression contains, read from the pattern's
 * text (RE2 syntax, as DuckDB's `regexp_matches` takes it). A search tests the cheap
 * `contains()` first and runs the regex only on the rows that have the literal: on
 * compressed log lines that is most of the cost of a regex filter.
 *
 * The reading is conservative: anything it does not fully understand (alternation at
 * the top level, flags, `\Q…\E`, unbalanced groups, braces that are not a repetition)
 * gives no literal, and the regex alone decides, as before.
 */

/** Shortest literal worth a separate `contains()`. */
const MIN_LENGTH = 2

/**
 * The longest run of literal characters in the top-level sequence of `pattern` that no
 * quantifier makes optional — so a string matching `pattern` contains it — or
 * `undefined` when there is none of {@link MIN_LENGTH} or more characters, or the
 * pattern uses syntax this reading does not cover.
 *
 * @example
 * requiredLiteral('pppoe-user42[0-9]{2}>') // 'pppoe-user42'
 * requiredLiteral('^(foo|bar)x')           // undefined: no run of two
 * requiredLiteral('(?i)error')             // undefined: case-insensitive
 */
export function requiredLiteral(pattern: string): string | undefined {
  const chars = Array.from(pattern)
  let best = ''
  let run: string[] = []
  let lastWasLiteral = false
  let depth = 0
  const endRun = () => {
    if (run.length > Array.from(best).length) best = run.join('')
    run = []
    lastWasLiteral = false
  }
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!
    if (ch === '\\') {
      const next = chars[i + 1]
      if (next === undefined) return undefined
      const start = ++i
      if (/[A-Za-z0-9]/.test(next)) {
        // A class (\d, \pL, \p{Greek}), an assertion (\b), a code (\x41, \123) or \Q: not a plain literal.
        if (next === 'Q' || next === 'E') return undefined
        if ((next === 'p' || next === 'P' || next === 'x') && chars[i + 1] === '{') {
          const close = chars.indexOf('}', i + 1)
          if (close < 0) return undefined
          i = close
        } else if (next === 'p' || next === 'P') i++
        else if (next === 'x') i += 2
        else while (/[0-7]/.test(next) && /[0-7]/.test(chars[i + 1] ?? '') && i < start + 2) i++ // octal, up to three digits
        endRun()
      } else if (depth === 0) {
        run.push(next)
        lastWasLiteral = true
      }
      continue
    }
    if (ch === '[') {
      i = classEnd(chars, i)
      if (i < 0) return undefined
      endRun()
      continue
    }
    if (ch === '(') {
      // Groups are skipped whole; only flags change what the literals outside them match.
      if (chars[i + 1] === '?' && !(chars[i + 2] === ':' || (chars[i + 2] === 'P' && chars[i + 3] === '<'))) return undefined
      depth++
      endRun()
      continue
    }
    if (ch === ')') {
      if (--depth < 0) return undefined
      endRun()
      continue
    }
    if (ch === '|') {
      if (depth === 0) return undefined
      continue
    }
    if (ch === '*' || ch === '?' || ch === '+' || ch === '{') {
      let optional = ch !== '+'
      if (ch === '{') {
        const repeat = /^\{(\d+)(,\d*)?\}/.exec(chars.slice(i).join(''))
        if (!repeat) return undefined
        optional = Number(repeat[1]) === 0
        i += Array.from(repeat[0]).length - 1
      }
      // The quantified atom may be absent (`?`, `*`, `{0,…}`) or repeated: either way the run stops here.
      if (depth === 0 && lastWasLiteral && optional) run.pop()
      endRun()
      if (chars[i + 1] === '?') i++ // non-greedy
      continue
    }
    if (depth > 0) continue
    if (ch === '.' || ch === '^' || ch === '$') {
      endRun()
      continue
    }
    run.push(ch)
    lastWasLiteral = true
  }
  if (depth !== 0) return undefined
  endRun()
  return Array.from(best).length >= MIN_LENGTH ? best : undefined
}

/** Index of the `]` closing the character class opened at `chars[open]`, or -1. */
function classEnd(chars: string[], open: number): number {
  let i = open + 1
  if (chars[i] === '^') i++
  if (chars[i] === ']') i++ // a leading ] is a member
  for (; i < chars.length; i++) {
    if (chars[i] === '\\') i++
    else if (chars[i] === '[' && chars[i + 1] === ':') {
      const close = chars.join('').indexOf(':]', i + 2)
      if (close < 0) return -1
      i = Array.from(chars.join('').slice(0, close + 1)).length
    } else if (chars[i] === ']') return i
  }
  return -1
}
