/**
 * @module
 * Keeps the process's C heap from holding memory nothing uses. Chunks are allocated on
 * the receiver threads and freed on the JavaScript thread. glibc gave every thread an
 * arena of its own and kept each arena's freed pages mapped; after a burst those arenas
 * held hundreds of MB (bench/README.md, "Where the memory went"). Two arenas and a
 * `malloc_trim` every second give them back; the trim costs well under a millisecond
 * when there is little to return.
 */
import { native } from './native.js'

/** How often the heap is trimmed, in milliseconds. */
export const HEAP_TRIM_MS = 1000

/** Arenas glibc may create: one for the JavaScript thread, one shared by the others. */
export const NATIVE_ARENAS = 2

/**
 * Caps the arenas and trims the heap every {@link HEAP_TRIM_MS}; call the returned
 * function to stop trimming. Call it before engines and DuckDB start their threads: the
 * cap applies only to arenas created after it.
 */
export function manageNativeHeap(): () => void {
  native.limitNativeArenas(NATIVE_ARENAS)
  // Unref'd: trimming alone must not keep the process alive.
  const timer = setInterval(() => native.trimNativeHeap(), HEAP_TRIM_MS).unref()
  return () => clearInterval(timer)
}
