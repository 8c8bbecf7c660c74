/**
 * @module
 * Password hashing with scrypt from `node:crypto` (SPEC §7): a per-user random salt and
 * the cost parameters are stored beside the hash, so they can be raised later without
 * invalidating existing passwords.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/** Shortest password the console and the CLI accept, in characters. */
export const MIN_PASSWORD_LENGTH = 10
/** Longest password accepted, in characters; bounds the work a login request can cause. */
export const MAX_PASSWORD_LENGTH = 1024

// N = 2^15, r = 8 needs 32 MiB per hash (OWASP's scrypt minimum is N = 2^17 with r = 8 and p = 1,
// or an equivalent trade of memory for parallelism; 2^15 keeps a login well under a second
// on the 2-core boxes logsift targets). maxmem must exceed 128 * N * r.
const COST = { N: 1 << 15, r: 8, p: 1 }
const KEY_BYTES = 32
const SALT_BYTES = 16

function scryptAsync(password: string, salt: Buffer, params: typeof COST): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r }
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

/**
 * Hashes `password` with a fresh salt.
 * @returns `scrypt$N=…,r=…,p=…$<salt base64>$<hash base64>`
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await scryptAsync(password, salt, COST)
  return `scrypt$N=${COST.N},r=${COST.r},p=${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

/**
 * Checks `password` against a hash made by {@link hashPassword}, in constant time.
 * A malformed stored hash verifies as `false` rather than throwing, so a damaged row
 * locks one account instead of breaking the login page.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 4 || parts[0] !== 'scrypt') return false
  const params = Object.fromEntries(parts[1].split(',').map((kv) => kv.split('=')))
  const cost = { N: Number(params.N), r: Number(params.r), p: Number(params.p) }
  if (![cost.N, cost.r, cost.p].every(Number.isSafeInteger)) return false
  const expected = Buffer.from(parts[3], 'base64')
  if (expected.length !== KEY_BYTES) return false
  const key = await scryptAsync(password, Buffer.from(parts[2], 'base64'), cost)
  return timingSafeEqual(key, expected)
}

/** Why a new password is refused, or `null` when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Password must have at least ${MIN_PASSWORD_LENGTH} characters.`
  if (password.length > MAX_PASSWORD_LENGTH) return `Password must have at most ${MAX_PASSWORD_LENGTH} characters.`
  return null
}

let dummyHash: Promise<string> | undefined

/**
 * Spends the same work as a real check, for logins naming an unknown user: the response
 * time then does not tell which user names exist.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
  await verifyPassword(password, await dummyHash)
  return false
}
