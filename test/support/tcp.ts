/**
 * @module
 * Loopback TCP clients for the listener tests.
 */
import net from 'node:net'

/** Connects to `port` on loopback and resolves once connected. */
export async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', resolve)
    socket.on('error', reject)
  })
  return socket
}

/** Resolves true when `socket` is closed by the other end within 2 s, false otherwise. */
export function closedByPeer(socket: net.Socket): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    socket.on('close', () => resolve(true))
    socket.on('error', () => resolve(true))
    socket.resume()
    setTimeout(() => resolve(false), 2000)
  })
}
