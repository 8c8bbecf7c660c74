/**
 * @module
 * The config layer's sender `match` check, done by the engine's own parser so a config is
 * refused for exactly the patterns an engine would refuse (issue 14: the two disagreed on
 * `10.*.3.*`).
 */
import { native } from './native.js'

/**
 * Checks a sender `match`: an exact IPv4/IPv6 address, a CIDR (`10.0.0.0/8`,
 * `2001:db8::/32`) whose host bits are zero, or a wildcard (`10.0.*`, `10.*.3.*`, `*`).
 *
 * @returns `undefined` when valid, else the reason in plain words, starting with the pattern.
 * @example
 * checkSenderMatch('10.0.0.0/33') // '"10.0.0.0/33": prefix /33 is longer than 32 bits'
 */
export function checkSenderMatch(match: string): string | undefined {
  const reason = native.checkSenderMatch(match)
  return reason === null ? undefined : `"${match}": ${reason}`
}
