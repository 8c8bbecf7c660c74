/**
 * @module
 * Address syntax of the config file: UDP listen addresses (`0.0.0.0:5514`, `[::]:5514`)
 * and when two of them would fight over a port. Sender `match` patterns are checked by
 * the engine's own parser (`src/engine/sender-match.ts`).
 */

import { isIPv4, isIPv6 } from 'node:net'

/** A parsed listen address. */
export interface ListenAddress {
  family: 4 | 6
  /** The address as written, without brackets. */
  host: string
  /** 0–65535; 0 asks the kernel for a free port. */
  port: number
}

/**
 * Parses `host:port` (IPv4 literal) or `[host]:port` (IPv6 literal). Host names are
 * refused: a name can resolve differently at each start, and a listener must be exact.
 *
 * @returns the address, or a reason in plain words.
 */
export function parseListenAddress(text: string): ListenAddress | string {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text)
  if (!m) return `"${text}" is not an address and port; write "0.0.0.0:5514" or "[::]:5514"`
  const port = Number(m[3])
  if (port > 65535) return `port ${port} is out of range (0–65535)`
  if (m[1] !== undefined) {
    if (!isIPv6(m[1])) return `"${m[1]}" is not an IPv6 address`
    return { family: 6, host: m[1], port }
  }
  const host = m[2]!
  if (!isIPv4(host)) {
    return isIPv6(host)
      ? `an IPv6 address needs brackets: "[${host}]:${port}"`
      : `"${host}" is not an IPv4 address (host names are not accepted; write the address)`
  }
  return { family: 4, host, port }
}

/**
 * Whether two listen addresses would bind the same socket: same port and family, and
 * the same host or a wildcard (`0.0.0.0`, `::`) on either side. IPv4 and IPv6 never
 * overlap because the engine binds IPv6 sockets with `IPV6_V6ONLY`; port 0 never
 * overlaps because the kernel picks distinct ports.
 */
export function listenOverlaps(a: ListenAddress, b: ListenAddress): boolean {
  if (a.port === 0 || b.port === 0 || a.port !== b.port || a.family !== b.family) return false
  const wildcard = (x: ListenAddress) => (x.family === 4 ? x.host === '0.0.0.0' : ipv6Bytes(x.host).every((v) => v === 0))
  if (wildcard(a) || wildcard(b)) return true
  return a.family === 4 ? a.host === b.host : ipv6Bytes(a.host).join() === ipv6Bytes(b.host).join()
}

function ipv4Bytes(addr: string): number[] {
  return addr.split('.').map(Number)
}

/** The 16 bytes of an IPv6 literal that `isIPv6` accepted (a zone id is ignored). */
function ipv6Bytes(addr: string): number[] {
  let text = addr.split('%')[0]!
  let tail: number[] = []
  // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two 16-bit words.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const b = ipv4Bytes(v4[1]!)
    tail = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!]
    text = text.slice(0, text.length - v4[1]!.length)
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1)
  }
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)))
  const [head, rest] = text.split('::') as [string, string | undefined]
  const h = parse(head)
  const r = rest === undefined ? [] : parse(rest)
  const zeros = rest === undefined ? 0 : 8 - tail.length - h.length - r.length
  const words = [...h, ...new Array<number>(zeros).fill(0), ...r, ...tail]
  return words.flatMap((w) => [w >> 8, w & 255])
}
