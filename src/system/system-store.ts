/**
 * @module
 * Users, sessions and the audit log, in a DuckDB file of their own (SPEC §7): a separate
 * `DuckDBInstance`, so the SQL console's instance-wide sandbox settings never reach it and
 * no log query can name it. Password hashes never leave this module.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import { hashPassword, verifyDummyPassword, verifyPassword } from './passwords.js'
import { hashToken, newToken, sameSecret, type SessionLimits } from './sessions.js'
import { SystemStoreError } from './system-store-error.js'

/** `admin` may change everything; `viewer` is read-only (SPEC §7). */
export type Role = 'admin' | 'viewer'

/** The roles, in the order the console lists them. */
export const ROLES: readonly Role[] = ['admin', 'viewer']

/** A console user as the rest of the code sees it (never with the password hash). */
export interface User {
  id: number
  /** Login name, unique, matches {@link USER_NAME_RE}. */
  name: string
  displayName: string
  role: Role
  createdAtMs: number
  passwordChangedAtMs: number
}

/** A stored session; the token itself is known only to the browser. */
export interface Session {
  tokenHash: string
  userId: number
  /** Per-session anti-CSRF token, echoed by every form and htmx request. */
  csrfToken: string
  createdAtMs: number
  lastSeenAtMs: number
}

/** One audit log row. */
export interface AuditEntry {
  id: number
  atMs: number
  /** Who did it; `null` for the shell (`logsift user …`, no address) or a signed-out visitor. */
  userName: string | null
  /** Dotted verb, e.g. `user.role_changed`. */
  action: string
  target: string | null
  details: string | null
  /** Client address of the request, `null` for the shell. */
  address: string | null
}

/** What {@link SystemStore.appendAudit} needs; the store stamps the time. */
export type AuditInput = Omit<AuditEntry, 'id' | 'atMs'>

/** Login names: lower case, like engine and class names, plus `.` and `-`. */
export const USER_NAME_RE = /^[a-z][a-z0-9_.-]{0,62}$/

/** Options of {@link SystemStore.create}. */
export interface SystemStoreOptions {
  /** Clock in milliseconds since the epoch; tests inject one to reach expiry. Default `Date.now`. */
  now?: () => number
}

const SCHEMA = `
CREATE SEQUENCE IF NOT EXISTS users_id_seq;
CREATE TABLE IF NOT EXISTS users (
  id BIGINT PRIMARY KEY DEFAULT nextval('users_id_seq'),
  name VARCHAR NOT NULL UNIQUE,
  display_name VARCHAR NOT NULL,
  role VARCHAR NOT NULL CHECK (role IN ('admin', 'viewer')),
  password_hash VARCHAR NOT NULL,
  created_at_ms BIGINT NOT NULL,
  password_changed_at_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash VARCHAR PRIMARY KEY,
  user_id BIGINT NOT NULL,
  csrf_token VARCHAR NOT NULL,
  created_at_ms BIGINT NOT NULL,
  last_seen_at_ms BIGINT NOT NULL,
  address VARCHAR,
  user_agent VARCHAR
);
CREATE SEQUENCE IF NOT EXISTS audit_log_id_seq;
CREATE TABLE IF NOT EXISTS audit_log (
  id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
  at_ms BIGINT NOT NULL,
  user_name VARCHAR,
  action VARCHAR NOT NULL,
  target VARCHAR,
  details VARCHAR,
  address VARCHAR
);
`

const USER_COLUMNS = 'id, name, display_name, role, created_at_ms, password_changed_at_ms'

type Row = Record<string, DuckDBValue>

function toUser(row: Row): User {
  return {
    id: Number(row.id),
    name: String(row.name),
    displayName: String(row.display_name),
    role: row.role as Role,
    createdAtMs: Number(row.created_at_ms),
    passwordChangedAtMs: Number(row.password_changed_at_ms),
  }
}

function toSession(row: Row): Session {
  return {
    tokenHash: String(row.token_hash),
    userId: Number(row.user_id),
    csrfToken: String(row.csrf_token),
    createdAtMs: Number(row.created_at_ms),
    lastSeenAtMs: Number(row.last_seen_at_ms),
  }
}

function toAuditEntry(row: Row): AuditEntry {
  const text = (v: DuckDBValue) => (v === null ? null : String(v))
  return {
    id: Number(row.id),
    atMs: Number(row.at_ms),
    userName: text(row.user_name),
    action: String(row.action),
    target: text(row.target),
    details: text(row.details),
    address: text(row.address),
  }
}

/**
 * The system store. Every call runs alone on the one connection (DuckDB connections are
 * not for concurrent use, and rules such as "keep one admin" are check-then-write).
 *
 * @example
 * ```ts
 * const store = await SystemStore.create('/var/lib/logsift-system.duckdb')
 * if (store.setupToken) console.log(`setup token: ${store.setupToken}`)
 * ```
 */
export class SystemStore {
  /** The store's clock, in milliseconds since the epoch; the console uses it for expiry too. */
  readonly now: () => number
  /** DuckDB library version, e.g. `v1.5.6`, for the System page. */
  readonly duckdbVersion: string
  private readonly instance: DuckDBInstance
  private readonly connection: DuckDBConnection
  private queue: Promise<unknown> = Promise.resolve()
  private pendingSetupToken: string | null

  private constructor(
    instance: DuckDBInstance,
    connection: DuckDBConnection,
    now: () => number,
    duckdbVersion: string,
    setupToken: string | null,
  ) {
    this.instance = instance
    this.connection = connection
    this.now = now
    this.duckdbVersion = duckdbVersion
    this.pendingSetupToken = setupToken
  }

  /**
   * Opens (or creates) the store at `path`. The directory must exist. When no user exists
   * yet, a one-time setup token is generated: see {@link setupToken}.
   */
  static async create(path: string, options: SystemStoreOptions = {}): Promise<SystemStore> {
    const instance = await DuckDBInstance.create(path)
    const connection = await instance.connect()
    try {
      await connection.run(SCHEMA)
      const reader = await connection.runAndReadAll('SELECT version() AS v, (SELECT count(*) FROM users) AS n')
      const [row] = reader.getRowObjects()
      const token = Number(row.n) === 0 ? newToken(20) : null
      return new SystemStore(instance, connection, options.now ?? Date.now, String(row.v), token)
    } catch (err) {
      connection.closeSync()
      instance.closeSync()
      throw err
    }
  }

  /**
   * The one-time token that `/setup` asks for while no user exists, `null` afterwards.
   * It lives in memory only: each start with an empty store prints a new one.
   */
  get setupToken(): string | null {
    return this.pendingSetupToken
  }

  /** Closes the file; the store is unusable afterwards. */
  closeSync(): void {
    this.connection.closeSync()
    this.instance.closeSync()
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async rows(sql: string, values: DuckDBValue[] = []): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql, values)
    return reader.getRowObjects()
  }

  private async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION')
    try {
      const result = await fn()
      await this.connection.run('COMMIT')
      return result
    } catch (err) {
      await this.connection.run('ROLLBACK')
      throw err
    }
  }

  /** Number of users. */
  countUsers(): Promise<number> {
    return this.exclusive(async () => Number((await this.rows('SELECT count(*) AS n FROM users'))[0].n))
  }

  /** All users, by name. */
  listUsers(): Promise<User[]> {
    return this.exclusive(async () => (await this.rows(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`)).map(toUser))
  }

  /** The user with this id, or `null`. */
  findUserById(id: number): Promise<User | null> {
    return this.exclusive(async () => {
      const [row] = await this.rows(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id])
      return row ? toUser(row) : null
    })
  }

  /** The user with this login name, or `null`. */
  findUserByName(name: string): Promise<User | null> {
    return this.exclusive(async () => {
      const [row] = await this.rows(`SELECT ${USER_COLUMNS} FROM users WHERE name = $1`, [name])
      return row ? toUser(row) : null
    })
  }

  /**
   * The user if `password` is theirs, else `null`. An unknown name costs as much as a
   * wrong password, so timing does not reveal which names exist.
   */
  async verifyLogin(name: string, password: string): Promise<User | null> {
    const row = await this.exclusive(
      async () => (await this.rows(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE name = $1`, [name]))[0],
    )
    if (!row) return verifyDummyPassword(password).then(() => null)
    return (await verifyPassword(password, String(row.password_hash))) ? toUser(row) : null
  }

  /**
   * Adds a user.
   * @throws {SystemStoreError} `duplicate_name` when the name is taken.
   */
  async createUser(input: { name: string; displayName: string; role: Role; password: string }): Promise<User> {
    const hash = await hashPassword(input.password)
    return this.exclusive(() => this.insertUser(input, hash))
  }

  private async insertUser(input: { name: string; displayName: string; role: Role }, hash: string): Promise<User> {
    const taken = await this.rows('SELECT 1 FROM users WHERE name = $1', [input.name])
    if (taken.length > 0) throw new SystemStoreError('duplicate_name', `a user named ${input.name} already exists`)
    const now = this.now()
    const [row] = await this.rows(
      `INSERT INTO users (name, display_name, role, password_hash, created_at_ms, password_changed_at_ms)
       VALUES ($1, $2, $3, $4, $5, $5) RETURNING ${USER_COLUMNS}`,
      [input.name, input.displayName, input.role, hash, now],
    )
    this.pendingSetupToken = null
    return toUser(row)
  }

  /**
   * Creates the first admin if `token` is the setup token and still no user exists.
   * @throws {SystemStoreError} `bad_setup_token` otherwise.
   */
  async completeSetup(
    token: string,
    input: { name: string; displayName: string; password: string },
  ): Promise<User> {
    const hash = await hashPassword(input.password)
    return this.exclusive(async () => {
      const expected = this.pendingSetupToken
      const users = Number((await this.rows('SELECT count(*) AS n FROM users'))[0].n)
      if (expected === null || users > 0 || !sameSecret(token, expected)) {
        throw new SystemStoreError('bad_setup_token', 'the setup token is wrong or setup is already done')
      }
      return this.insertUser({ ...input, role: 'admin' }, hash)
    })
  }

  /**
   * Changes a user's role; takes effect on their next request.
   * @throws {SystemStoreError} `last_admin` when it would demote the only admin; `not_found`.
   */
  setRole(userId: number, role: Role): Promise<User> {
    return this.exclusive(() =>
      this.transaction(async () => {
        const user = await this.requireUser(userId)
        if (user.role === 'admin' && role !== 'admin') await this.requireAnotherAdmin(userId)
        await this.connection.run('UPDATE users SET role = $1 WHERE id = $2', [role, userId])
        return { ...user, role }
      }),
    )
  }

  /**
   * Sets a new password and revokes every session of the user (SPEC §7); a user changing
   * their own password is given a fresh session by the caller.
   * @throws {SystemStoreError} `not_found`.
   */
  async setPassword(userId: number, password: string): Promise<void> {
    const hash = await hashPassword(password)
    await this.exclusive(() =>
      this.transaction(async () => {
        await this.requireUser(userId)
        await this.connection.run('UPDATE users SET password_hash = $1, password_changed_at_ms = $2 WHERE id = $3', [
          hash,
          this.now(),
          userId,
        ])
        await this.connection.run('DELETE FROM sessions WHERE user_id = $1', [userId])
      }),
    )
  }

  /**
   * Changes the name shown for a user.
   * @throws {SystemStoreError} `not_found`.
   */
  setDisplayName(userId: number, displayName: string): Promise<void> {
    return this.exclusive(async () => {
      await this.requireUser(userId)
      await this.connection.run('UPDATE users SET display_name = $1 WHERE id = $2', [displayName, userId])
    })
  }

  /**
   * Deletes a user and their sessions.
   * @throws {SystemStoreError} `last_admin` when it is the only admin; `not_found`.
   */
  deleteUser(userId: number): Promise<User> {
    return this.exclusive(() =>
      this.transaction(async () => {
        const user = await this.requireUser(userId)
        if (user.role === 'admin') await this.requireAnotherAdmin(userId)
        await this.connection.run('DELETE FROM sessions WHERE user_id = $1', [userId])
        await this.connection.run('DELETE FROM users WHERE id = $1', [userId])
        return user
      }),
    )
  }

  private async requireUser(userId: number): Promise<User> {
    const [row] = await this.rows(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [userId])
    if (!row) throw new SystemStoreError('not_found', `no user with id ${userId}`)
    return toUser(row)
  }

  private async requireAnotherAdmin(userId: number): Promise<void> {
    const [row] = await this.rows("SELECT count(*) AS n FROM users WHERE role = 'admin' AND id <> $1", [userId])
    if (Number(row.n) === 0) throw new SystemStoreError('last_admin', 'logsift needs at least one admin')
  }

  /**
   * Starts a session for `userId`.
   * @returns the token for the cookie (stored only hashed) and the session's CSRF token.
   */
  createSession(
    userId: number,
    client: { address: string | null; userAgent: string | null },
  ): Promise<{ token: string; session: Session }> {
    const token = newToken()
    const now = this.now()
    const session: Session = { tokenHash: hashToken(token), userId, csrfToken: newToken(), createdAtMs: now, lastSeenAtMs: now }
    return this.exclusive(async () => {
      await this.connection.run(
        `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at_ms, last_seen_at_ms, address, user_agent)
         VALUES ($1, $2, $3, $4, $4, $5, $6)`,
        [session.tokenHash, userId, session.csrfToken, now, client.address, client.userAgent?.slice(0, 256) ?? null],
      )
      return { token, session }
    })
  }

  /** The session whose token hashes to `tokenHash`, or `null`. */
  findSession(tokenHash: string): Promise<Session | null> {
    return this.exclusive(async () => {
      const [row] = await this.rows('SELECT * FROM sessions WHERE token_hash = $1', [tokenHash])
      return row ? toSession(row) : null
    })
  }

  /** Records use of a session now, which restarts its idle timeout. */
  touchSession(tokenHash: string): Promise<void> {
    return this.exclusive(async () => {
      await this.connection.run('UPDATE sessions SET last_seen_at_ms = $1 WHERE token_hash = $2', [this.now(), tokenHash])
    })
  }

  /** Revokes one session (logout, expiry). */
  deleteSession(tokenHash: string): Promise<void> {
    return this.exclusive(async () => {
      await this.connection.run('DELETE FROM sessions WHERE token_hash = $1', [tokenHash])
    })
  }

  /** Removes every session that has expired under `limits`, so the table does not grow. */
  deleteExpiredSessions(limits: SessionLimits): Promise<void> {
    return this.exclusive(async () => {
      await this.connection.run(
        'DELETE FROM sessions WHERE $1 - last_seen_at_ms >= $2 OR $1 - created_at_ms >= $3',
        [this.now(), limits.idleTimeoutMs, limits.absoluteTimeoutMs],
      )
    })
  }

  /** Appends one audit row stamped with the store's clock. */
  appendAudit(entry: AuditInput): Promise<void> {
    return this.exclusive(async () => {
      await this.connection.run(
        'INSERT INTO audit_log (at_ms, user_name, action, target, details, address) VALUES ($1, $2, $3, $4, $5, $6)',
        [this.now(), entry.userName, entry.action, entry.target, entry.details, entry.address],
      )
    })
  }

  /** Audit rows, newest first; `beforeId` continues from the last row of a previous page. */
  listAudit(options: { beforeId?: number; limit?: number } = {}): Promise<AuditEntry[]> {
    const { beforeId = Number.MAX_SAFE_INTEGER, limit = 100 } = options
    return this.exclusive(async () =>
      (await this.rows('SELECT * FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2', [beforeId, limit])).map(
        toAuditEntry,
      ),
    )
  }
}
