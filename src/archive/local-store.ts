/**
 * @module
 * An {@link ArchiveStore} in a local directory. `put` copies to a temporary name beside the
 * target and renames it (atomic within one file system), so a reader or a crash never sees
 * half a file; temporary names start with `.tmp-` and are never listed as keys.
 */
import { randomBytes } from 'node:crypto'
import type { Dirent } from 'node:fs'
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path'
import type { ArchiveStore } from './archive-store.js'

/** Prefix of the names `put` writes before renaming; files so named are leftovers, never objects. */
export const TEMP_PREFIX = '.tmp-'

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT'
}

/** An archive in a local directory; keys map to paths below it. */
export class LocalArchiveStore implements ArchiveStore {
  readonly location: string

  constructor(root: string) {
    this.location = resolve(root)
  }

  get localRoot(): string {
    return this.location
  }

  /** The path of key, refusing keys that would leave the root (`..`, absolute paths). */
  private pathOf(key: string): string {
    const path = normalize(join(this.location, ...key.split('/')))
    const rel = relative(this.location, path)
    if (key === '' || rel === '' || rel.startsWith('..') || isAbsolute(rel) || key.split('/').some((p) => p.startsWith(TEMP_PREFIX))) {
      throw new Error(`archive key "${key}" is not a file below ${this.location}`)
    }
    return path
  }

  async put(localFile: string, key: string): Promise<void> {
    const target = this.pathOf(key)
    const temp = join(dirname(target), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`)
    try {
      await mkdir(dirname(target), { recursive: true })
      await copyFile(localFile, temp)
      await rename(temp, target)
    } catch (cause) {
      await rm(temp, { force: true })
      throw new Error(`cannot archive ${localFile} as ${target}`, { cause })
    }
  }

  async size(key: string): Promise<number | undefined> {
    const path = this.pathOf(key)
    try {
      const s = await stat(path)
      return s.isFile() ? s.size : undefined
    } catch (e) {
      if (isMissing(e)) return undefined
      throw new Error(`cannot read the size of archive key "${key}"`, { cause: e })
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix.replace(/\/+$/, '')
    const files = await this.filesBelow(base === '' ? this.location : this.pathOf(base), `cannot list archive keys under "${prefix}"`)
    return files
      .filter((e) => !e.name.startsWith(TEMP_PREFIX))
      .map((e) => relative(this.location, join(e.parentPath, e.name)).split(sep).join('/'))
      .sort()
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true })
  }

  async localPath(key: string): Promise<string> {
    return this.pathOf(key)
  }

  /** Deletes temporary files a crash mid-`put` left behind; resolves with how many. */
  async removeLeftovers(): Promise<number> {
    const files = await this.filesBelow(this.location, `cannot scan ${this.location} for leftover temporary files`)
    const leftovers = files.filter((e) => e.name.startsWith(TEMP_PREFIX))
    for (const e of leftovers) await rm(join(e.parentPath, e.name), { force: true })
    return leftovers.length
  }

  /** Every file below `start`, none when it does not exist; `failure` heads any other error. */
  private async filesBelow(start: string, failure: string): Promise<Dirent[]> {
    try {
      return (await readdir(start, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())
    } catch (e) {
      if (isMissing(e)) return []
      throw new Error(failure, { cause: e })
    }
  }
}
