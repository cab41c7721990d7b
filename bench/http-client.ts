import http from 'node:http'

export interface JsonResponse {
  status: number
  body: unknown
}

export interface HttpClient {
  /** Sends JSON (when `body` is given) and parses the JSON answer; rejects on a network error or `timeoutMs`. */
  request(method: string, path: string, body?: unknown, options?: { timeoutMs?: number; onSent?: () => void }): Promise<JsonResponse>
  /** Drops every socket: requests still under way fail at once. */
  close(): void
}

/**
 * The load generator's one way to talk HTTP: its own keep-alive agent with enough sockets for
 * every held long-poll plus the requests sent beside them (the global agent would queue them).
 */
export function createHttpClient(baseUrl: string, maxSockets: number): HttpClient {
  const url = new URL(baseUrl)
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })
  return {
    request(method, path, body, options = {}) {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body)
        const headers: http.OutgoingHttpHeaders = { accept: 'application/json' }
        if (payload !== undefined) {
          headers['content-type'] = 'application/json'
          headers['content-length'] = Buffer.byteLength(payload)
        }
        const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            try {
              resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) })
            } catch {
              resolve({ status: res.statusCode ?? 0, body: text })
            }
          })
          res.on('error', reject)
        })
        req.setTimeout(options.timeoutMs ?? 70_000, () => req.destroy(new Error(`${method} ${path} timed out`)))
        req.on('error', reject)
        if (options.onSent) req.on('finish', options.onSent)
        req.end(payload)
      })
    },
    close: () => agent.destroy(),
  }
}

/** The body of a 2xx answer; anything else is an error naming the status. */
export async function expectOk<T>(pending: Promise<JsonResponse>, what: string): Promise<T> {
  const response = await pending
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`)
  }
  return response.body as T
}
