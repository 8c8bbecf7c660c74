/**
 * @module
 * Keeps the process's C heap from holding memory nothing uses. Chunks are allocated on
 * the receiver threads and freed on the JavaScript thread; glibc keeps the freed pages of
 * each thread's arena mapped, and after a burst those arenas held hundreds of MB
 * (bench/README.md, "Where the memory went"). `malloc_trim` returns them; it costs well
 * under a millisecond when there is little to give back.
 */
import { native } from './native.js'

/** How often the heap is trimmed, in milliseconds. */
export const HEAP_TRIM_MS = 1000

/** Trims the native heap every {@link HEAP_TRIM_MS}; call the returned function to stop. */
export function trimNativeHeapPeriodically(): () => void {
  // Unref'd: trimming alone must not keep the process alive.
  const timer = setInterval(() => native.trimNativeHeap(), HEAP_TRIM_MS).unref()
  return () => clearInterval(timer)
}
