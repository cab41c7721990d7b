import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { serve as serveNode } from '@hono/node-server'
import { Hono } from 'hono'
import { mountWebUI, normalizeApiBaseUrl } from '../http/web-ui.ts'

const USAGE = 'Usage: parley ui --api http://localhost:8008 [--port 8888] [--host 127.0.0.1]'

/**
 * `parley ui`: the web UI alone, on its own origin, talking to a Parley API elsewhere (the
 * seed's chained mode). That API must allow this origin: `PARLEY_CORS_ORIGINS=http://localhost:8888`.
 */
export async function uiCommand(args: string[]): Promise<void> {
  let values: { api?: string; port?: string; host?: string }
  try {
    values = parseArgs({ args, options: { api: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } } }).values
  } catch (error) {
    console.error(`parley ui: ${(error as Error).message}\n${USAGE}`)
    process.exitCode = 2
    return
  }
  const port = values.port === undefined ? 8888 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`parley ui: --port must be a port number, not "${values.port}"\n${USAGE}`)
    process.exitCode = 2
    return
  }
  let api: string
  try {
    api = normalizeApiBaseUrl(values.api ?? 'http://localhost:8008')
  } catch (error) {
    console.error(`parley ui: ${(error as Error).message}\n${USAGE}`)
    process.exitCode = 2
    return
  }
  const hostname = values.host ?? '127.0.0.1'

  const app = new Hono()
  mountWebUI(app, { apiBaseUrl: api })
  const server = await new Promise<ReturnType<typeof serveNode>>((resolve, reject) => {
    const started = serveNode({ fetch: app.fetch, port, hostname }, () => resolve(started))
    started.once('error', reject)
  })
  const { port: actualPort } = server.address() as AddressInfo
  // What a browser sends as Origin when the page is opened at the address printed here.
  const origin = `http://${hostname === '127.0.0.1' || hostname === '0.0.0.0' ? 'localhost' : hostname}:${actualPort}`
  console.log(`parley ui: serving the web UI on ${origin}, talking to the API at ${api}`)
  await checkCors(api, origin)

  const stop = (signal: string) => {
    console.log(`parley ui: ${signal}, shutting down`)
    server.close(() => process.exit(0))
    if ('closeAllConnections' in server) server.closeAllConnections()
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

/** Warns, without failing, when the API is down or does not allow this page's origin. */
async function checkCors(api: string, origin: string): Promise<void> {
  try {
    const response = await fetch(`${api}/healthz`, { headers: { Origin: origin }, signal: AbortSignal.timeout(3_000) })
    const allowed = response.headers.get('access-control-allow-origin')
    if (allowed !== origin && allowed !== '*') {
      console.warn(
        `parley ui: the API does not allow this origin yet; start it with PARLEY_CORS_ORIGINS=${origin} ` +
          '(and open the UI at exactly that address)',
      )
    }
  } catch {
    console.warn(`parley ui: cannot reach the API at ${api} yet; the page will say so until it is up`)
  }
}
