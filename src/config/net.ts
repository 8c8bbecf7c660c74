/**
 * @module
 * Address syntax of the config file: UDP listen addresses (`0.0.0.0:5514`, `[::]:5514`),
 * when two of them would fight over a port, and sender `match` patterns (exact address,
 * CIDR, or the original's wildcard form `10.0.*`).
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

/**
 * Checks a sender `match`: an exact IPv4/IPv6 address, a CIDR (`10.0.0.0/8`,
 * `2001:db8::/32`) whose host bits are zero, or a wildcard (`10.0.*`, `10.*`, `*`).
 *
 * @returns `undefined` when valid, else the reason in plain words.
 */
export function checkSenderMatch(match: string): string | undefined {
  if (match === '*') return undefined
  if (isIPv4(match) || isIPv6(match)) return undefined
  const wild = /^(\d{1,3})(?:\.(\d{1,3}))?(?:\.(\d{1,3}))?\.\*$/.exec(match)
  if (wild) {
    const bad = wild.slice(1).find((o) => o !== undefined && (Number(o) > 255 || (o.length > 1 && o.startsWith('0'))))
    return bad === undefined ? undefined : `"${match}": ${bad} is not an IPv4 octet (0–255)`
  }
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(match)
  if (cidr) {
    const [, addr, bitsText] = cidr as unknown as [string, string, string]
    const bits = Number(bitsText)
    const bytes = isIPv4(addr) ? ipv4Bytes(addr) : isIPv6(addr) ? ipv6Bytes(addr) : undefined
    if (bytes === undefined) return `"${match}": "${addr}" is not an IPv4 or IPv6 address`
    const max = bytes.length * 8
    if (bits > max) return `"${match}": prefix /${bits} is longer than ${max} bits`
    if (!hostBitsZero(bytes, bits)) {
      return `"${match}": the address has bits set past the /${bits} prefix; did you mean "${formatNetwork(bytes, bits, addr)}"?`
    }
    return undefined
  }
  return `"${match}" is not an address, a CIDR (10.0.0.0/8, 2001:db8::/32) or a wildcard (10.0.*, 10.*, *)`
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

function hostBitsZero(bytes: number[], bits: number): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8))
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff
    if ((bytes[i]! & ~mask & 0xff) !== 0) return false
  }
  return true
}

function formatNetwork(bytes: number[], bits: number, original: string): string {
  const masked = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8))
    return b & (keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff)
  })
  if (isIPv4(original)) return `${masked.join('.')}/${bits}`
  const words: number[] = []
  for (let i = 0; i < 16; i += 2) words.push((masked[i]! << 8) | masked[i + 1]!)
  // RFC 5952: the longest run of two or more zero words becomes "::".
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLen) [best, bestLen] = [i, j - i]
    i = j
  }
  const hex = words.map((w) => w.toString(16))
  const text = best < 0 ? hex.join(':') : `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`
  return `${text}/${bits}`
}
