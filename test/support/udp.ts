/**
 * @module
 * Sending datagrams over loopback and pulling what an engine received, for tests that use
 * real sockets.
 */
import dgram from 'node:dgram'
import type { Batch } from '../../src/engine/batch.js'
import type { Engine } from '../../src/engine/engine.js'
import { rowsOf } from './columns.js'

/** A loopback UDP port free right now (an engine's port must outlive the runner that bound it first). */
export async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
  const { port } = s.address()
  s.close()
  return port
}

/**
 * Sends each payload as one datagram from a fresh socket, waiting for every send. `from`
 * binds the source address first (e.g. `127.0.0.2`, a loopback address no sender matches).
 */
export async function sendDatagrams(
  port: number,
  payloads: (string | Buffer)[],
  { host = '127.0.0.1', family = 'udp4' as 'udp4' | 'udp6', from = undefined as string | undefined } = {},
): Promise<void> {
  const socket = dgram.createSocket(family)
  try {
    if (from !== undefined) {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind(0, from, () => (socket.off('error', reject), resolve()))
      })
    }
    // Keep a bounded number in flight so the sender never outruns its own buffer.
    const window = 256
    for (let i = 0; i < payloads.length; i += window) {
      await Promise.all(
        payloads.slice(i, i + window).map(
          (p) =>
            new Promise<void>((resolve, reject) =>
              socket.send(p, port, host, (err) => (err ? reject(err) : resolve())),
            ),
        ),
      )
    }
  } finally {
    socket.close()
  }
}

type Row = Record<string, string | number | bigint | null>

/** Stops the engine and pulls every remaining batch: the rows of all of them, in order. Throws if it never finishes. */
export async function stopAndDrain(engine: Engine, already: Batch[] = [], timeoutMs = 10_000): Promise<{ batches: Batch[]; rows: Row[] }> {
  await engine.stop()
  const batches = [...already]
  const deadline = Date.now() + timeoutMs
  while (!engine.finished()) {
    if (Date.now() > deadline) throw new Error(`the stopped engine still delivers batches after ${timeoutMs} ms: ${JSON.stringify(engine.stats())}`)
    const b = await engine.nextBatch(65_536, 50)
    if (b) batches.push(b)
  }
  return { batches, rows: batches.flatMap((b) => rowsOf(b.columns, b.rowCount)) }
}

/** Pulls batches until `rows` rows arrived or `ms` passed. */
export async function pullRows(engine: Engine, rows: number, ms = 5000): Promise<Batch[]> {
  const batches: Batch[] = []
  let got = 0
  const deadline = Date.now() + ms
  while (got < rows && Date.now() < deadline) {
    const b = await engine.nextBatch(65_536, 100)
    if (b) {
      batches.push(b)
      got += b.rowCount
    }
  }
  return batches
}

/** The accounting identity of SPEC §4 for a stopped, drained engine. */
export function assertAccounted(engine: Engine): void {
  const s = engine.stats()
  // Replayed rows were received by an earlier engine on the same journal.
  const accounted = s.delivered - s.replayed + s.rejected_unknown_sender + s.dropped_backpressure + s.dropped_journal_full + s.dropped_journal_error
  if (s.received !== accounted || s.queue_depth !== 0) {
    throw new Error(`counters do not add up: ${JSON.stringify(s)}`)
  }
}
