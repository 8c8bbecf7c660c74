/**
 * @module
 * Loads the native addon. This is the only file that imports it; everything else goes
 * through `engine.ts`, `extract.ts`, `row-chunk.ts` and `sender-match.ts`, and the writer through
 * `src/store/native-append.ts`.
 */
import { createRequire } from 'node:module'
import type * as Native from '../../crates/engine/index.js'

const require = createRequire(import.meta.url)

// This file runs from `src/engine/` under tsx and from `dist/src/engine/` when built.
const root = new URL(import.meta.url.includes('/dist/src/') ? '../../../' : '../../', import.meta.url)

/** The addon's exports, typed by the `index.d.ts` that `napi build` generates. */
export const native: typeof Native = require(new URL('crates/engine/index.js', root).pathname)

export type {
  NativeBatch,
  NativeColumn,
  EngineOptions as NativeEngineOptions,
  EngineStats,
  ClassSpec,
  ColumnInfo,
  ClassProblem,
  ExtractResult,
  JournalWriteError,
  SocketInfo,
  UnknownSenderInfo,
} from '../../crates/engine/index.js'
