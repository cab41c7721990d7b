import { once } from 'node:events'
import type { AddressInfo, Server, Socket } from 'node:net'
import { connect, createServer } from 'node:net'

/**
 * A TCP proxy on loopback in front of the test database (or a server), for outages that touch
 * only the processes of one test: `cut()` drops every connection and refuses new ones (what a
 * database restart or a network partition looks like from the client), `restore()` accepts again.
 * With `idleMs`, it also drops a connection through which no byte went either way for that long,
 * as load balancers and reverse proxies do.
 */
export interface TcpProxy {
  readonly port: number
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }, options: { idleMs?: number } = {}): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const listen = async (port: number): Promise<Server> => {
    const server = createServer((client) => {
      const upstream = connect(target.port, target.host)
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => undefined)
      }
      client.pipe(upstream).pipe(client)
      if (options.idleMs !== undefined) {
        // setTimeout on a socket counts inactivity in both directions (node:net).
        for (const socket of [client, upstream]) socket.setTimeout(options.idleMs, () => client.destroy())
      }
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    return server
  }
  let server: Server | null = await listen(0)
  const port = (server.address() as AddressInfo).port
  const stop = async () => {
    const current = server
    server = null
    for (const socket of sockets) socket.destroy()
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()))
  }
  return {
    port,
    cut: stop,
    async restore() {
      if (!server) server = await listen(port)
    },
    close: stop,
  }
}
