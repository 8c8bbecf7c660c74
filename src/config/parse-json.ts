/**
 * @module
 * `JSON.parse` with errors an operator can act on: the line and column of the first
 * syntax error. V8's message gives an offset only for some errors (not for a bad
 * token such as `tru`), so a small scanner walks the grammar to find it.
 */

import { ConfigError } from './config-error.js'

/**
 * Parses `text` as JSON.
 *
 * @throws {ConfigError} with one issue carrying `line` and `column` (1-based) when the
 *   text is not JSON; `cause` is V8's `SyntaxError`.
 */
export function parseJson(text: string, file?: string): unknown {
  try {
    return JSON.parse(text)
  } catch (cause) {
    const { offset, reason } = findSyntaxError(text)
    const { line, column } = lineAndColumn(text, offset)
    throw new ConfigError(file, [{ path: '', line, column, message: `invalid JSON: ${reason}` }], { cause })
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/** Offset and plain-words reason of the first syntax error in `text` (which must be invalid JSON). */
export function findSyntaxError(text: string): { offset: number; reason: string } {
  let i = 0
  const fail = (reason: string): never => {
    throw new Stop(i, reason)
  }
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const shown = () => (i >= text.length ? 'end of file' : `'${text[i]}'`)
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`unexpected ${shown()}; expected "${word}"`)
      i++
    }
  }
  const string = () => {
    i++ // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string')
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        i++
        return
      }
      if (c < 0x20) fail('control character in string (write \\n, \\t …)')
      if (c === 0x5c) {
        i++
        const e = text[i]
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k
              fail('bad \\u escape in string')
            }
          }
          i += 5
          continue
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          i-- // point at the backslash, where the operator has to type the second one
          fail(`bad escape \\${e ?? ''} in string (a regex backslash must be doubled: \\\\d)`)
        }
      }
      i++
    }
  }
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i))
    if (!m) fail(`unexpected ${shown()}`)
    i += m![0].length
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') return object()
    if (c === '[') return array()
    if (c === '"') return string()
    if (c === 't') return literal('true')
    if (c === 'f') return literal('false')
    if (c === 'n') return literal('null')
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number()
    fail(`unexpected ${shown()}; expected a value`)
  }
  const object = () => {
    i++
    ws()
    if (text[i] === '}') {
      i++
      return
    }
    for (;;) {
      ws()
      if (text[i] !== '"') fail(`unexpected ${shown()}; expected a "quoted" property name${text[i] === '}' ? ' (trailing comma?)' : ''}`)
      string()
      ws()
      if (text[i] !== ':') fail(`unexpected ${shown()}; expected ':' after the property name`)
      i++
      value()
      ws()
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === '}') {
        i++
        return
      }
      fail(`unexpected ${shown()}; expected ',' or '}' (missing comma?)`)
    }
  }
  const array = () => {
    i++
    ws()
    if (text[i] === ']') {
      i++
      return
    }
    for (;;) {
      ws()
      if (text[i] === ']') fail("unexpected ']' (trailing comma?)")
      value()
      ws()
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === ']') {
        i++
        return
      }
      fail(`unexpected ${shown()}; expected ',' or ']' (missing comma?)`)
    }
  }
  try {
    // A UTF-8 byte-order mark is not JSON, and editors on Windows like to add one.
    if (text.charCodeAt(0) === 0xfeff) fail('byte-order mark at the start of the file; save it as UTF-8 without BOM')
    value()
    ws()
    if (i < text.length) fail(`unexpected ${shown()} after the end of the document`)
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, reason: e.reason }
    throw e
  }
  // The scanner accepted what V8 refused: fall back to V8's own words.
  return { offset: 0, reason: 'not valid JSON' }
}
