import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { ParleyApp } from '../../src/http/app.ts'

/**
 * The contract as a test sees it: the COMMITTED `openapi/v1.json` (not the zod schemas it was
 * emitted from). Every response a contract test receives goes through `checkResponse`, which
 * finds the operation by method and path template and fails the test when the status is not
 * documented for it, the content type is not one it documents, or the JSON body does not match
 * the documented schema (JSON Schema 2020-12, as OpenAPI 3.1 says).
 */

const DOCUMENT_URL = new URL('../../openapi/v1.json', import.meta.url)
const DOCUMENT_ID = 'openapi.json'

interface MediaObject {
  schema?: unknown
}
interface HeaderObject {
  required?: boolean
}
interface ResponseObject {
  $ref?: string
  headers?: Record<string, HeaderObject>
  content?: Record<string, MediaObject>
}
interface OperationObject {
  operationId?: string
  responses: Record<string, ResponseObject>
}
interface Operation {
  method: string
  template: string
  operationId: string
  pattern: RegExp
  /** Literal segments win over `{param}` ones when both match. */
  params: number
  responses: Record<string, ResponseObject>
}

const document = JSON.parse(readFileSync(DOCUMENT_URL, 'utf8')) as {
  paths: Record<string, Record<string, OperationObject>>
  components: { responses: Record<string, ResponseObject> }
}

/**
 * Headers of HTTP itself, not of the API: the framing (RFC 9112), the date, and CORS (its own
 * protocol, present only when the operator allows browser origins). Every other header the
 * server sends must be documented on the response it comes with.
 */
const TRANSPORT_HEADERS = /^(content-type|content-length|date|connection|keep-alive|transfer-encoding|vary|access-control-.*)$/

// strict: false because the document is an OpenAPI document, not a bare schema: its `openapi`,
// `info`, `paths`, `example`, `discriminator` … are not JSON Schema keywords.
const ajv = new Ajv2020({ strict: false, allErrors: true })
ajv.addFormat('date-time', {
  type: 'string',
  validate: (text: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text) && !Number.isNaN(Date.parse(text)),
})
// The whole document is one schema resource, so every `#/components/schemas/…` $ref resolves.
ajv.addSchema(document, DOCUMENT_ID)

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

const operations: Operation[] = Object.entries(document.paths)
  .flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        operationId: operation.operationId ?? `${method} ${template}`,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
        responses: operation.responses,
      })),
  )
  .sort((a, b) => a.params - b.params)

/**
 * Endpoints outside the JSON contract: the document itself, Swagger UI (its page and files) and the page at `/`.
 * They are checked for status and content type only.
 */
const META_ENDPOINTS: Record<string, { status: number; contentType: RegExp }> = {
  'GET /openapi.json': { status: 200, contentType: /^application\/json\b/ },
  'GET /docs': { status: 200, contentType: /^text\/html\b/ },
  'GET /docs/swagger-ui.css': { status: 200, contentType: /^text\/css\b/ },
  'GET /docs/swagger-ui-bundle.js': { status: 200, contentType: /^text\/javascript\b/ },
  'GET /docs/swagger-initializer.js': { status: 200, contentType: /^text\/javascript\b/ },
  'GET /': { status: 200, contentType: /^text\/html\b/ },
}

export class ContractViolation extends Error {
  override name = 'ContractViolation'
}

/** The operation `method path` is, or undefined when the document has none. */
export function findOperation(method: string, pathname: string): Operation | undefined {
  return operations.find((operation) => operation.method === method.toUpperCase() && operation.pattern.test(pathname))
}

/** Every operationId in the committed document. */
export function documentedOperationIds(): string[] {
  return operations.map((operation) => operation.operationId)
}

/** Throws a ContractViolation unless `response` is what the document allows for `method url`; returns the decoded body. */
export async function checkResponse(method: string, url: string, response: Response): Promise<unknown> {
  const { pathname } = new URL(url, 'http://parley.test')
  const where = `${method.toUpperCase()} ${pathname} → ${response.status}`
  // HEAD is GET without the body (RFC 9110 §9.3.2): the GET operation documents it.
  const head = method.toUpperCase() === 'HEAD'
  const verb = head ? 'GET' : method.toUpperCase()
  const contentType = response.headers.get('content-type') ?? ''
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  // An event stream may not end (a run still going): its events are checked as they are read
  // (`checkEventStream`), not here.
  const text = mediaType === EVENT_STREAM ? '' : await response.clone().text()

  const meta = META_ENDPOINTS[`${verb} ${pathname}`]
  if (meta) {
    if (response.status !== meta.status) throw new ContractViolation(`${where}: expected ${meta.status}`)
    if (!meta.contentType.test(contentType)) throw new ContractViolation(`${where}: unexpected content type "${contentType}"`)
    if (head) return undefined
    return mediaType.endsWith('json') ? JSON.parse(text) : text
  }

  const operation = findOperation(verb, pathname)
  if (!operation) {
    // Outside the document, the server may only say "no such endpoint" (404) or "not this
    // method" (405, documented as every operation's MethodNotAllowed, with its `Allow`), and must
    // say it as a Problem. Under /v1/ it asks who is calling before it looks for a route (a stranger
    // learns no path), so there it may also say 401, as every operation's Unauthorized does
    // (`/v1` itself included: the auth middleware's `/v1/*` matches it).
    const unauthorized = response.status === 401 && (pathname === '/v1' || pathname.startsWith('/v1/'))
    if (response.status !== 404 && response.status !== 405 && !unauthorized)
      throw new ContractViolation(`${where}: no documented operation`)
    const component = response.status === 405 ? 'MethodNotAllowed' : unauthorized ? 'Unauthorized' : undefined
    checkHeaders(where, response.headers, component ? responseComponent(component).headers : undefined)
    if (head) return undefined
    return validateBody(where, 'application/problem+json', mediaType, text, `${DOCUMENT_ID}#/components/schemas/Problem`, response.status)
  }

  const status = String(response.status)
  const listed = operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default
  if (!listed) {
    const allowed = Object.keys(operation.responses).join(', ')
    throw new ContractViolation(`${where}: status ${status} is not documented for ${operation.operationId} (documented: ${allowed})`)
  }
  const component = listed.$ref?.replace('#/components/responses/', '')
  const documented = component === undefined ? listed : responseComponent(component)
  checkHeaders(where, response.headers, documented.headers)
  if (head) return undefined
  if (!documented.content) {
    if (text !== '') throw new ContractViolation(`${where}: ${operation.operationId} documents no body, got "${text.slice(0, 200)}"`)
    return undefined
  }
  if (!documented.content[mediaType]) {
    const allowed = Object.keys(documented.content).join(', ')
    throw new ContractViolation(`${where}: content type "${contentType}" is not documented (documented: ${allowed})`)
  }
  if (mediaType === EVENT_STREAM) return undefined
  const pointer =
    component === undefined
      ? ['paths', operation.template, operation.method.toLowerCase(), 'responses', status, 'content', mediaType, 'schema']
      : ['components', 'responses', component, 'content', mediaType, 'schema']
  return validateBody(where, mediaType, mediaType, text, schemaRef(pointer), response.status)
}

function responseComponent(name: string): ResponseObject {
  const found = document.components.responses[name]
  if (!found) throw new ContractViolation(`the document has no response component ${name}`)
  return found
}

/** Every header of ours is documented for this response, and every header it requires is there. */
function checkHeaders(where: string, headers: Headers, documented: Record<string, HeaderObject> = {}): void {
  const names = new Map(Object.entries(documented).map(([name, header]) => [name.toLowerCase(), header]))
  for (const name of headers.keys()) {
    if (!TRANSPORT_HEADERS.test(name) && !names.has(name)) {
      throw new ContractViolation(`${where}: header "${name}" is not documented (documented: ${[...names.keys()].join(', ') || 'none'})`)
    }
  }
  for (const [name, header] of names) {
    if (header.required && !headers.has(name)) throw new ContractViolation(`${where}: the documented header "${name}" is missing`)
  }
}

function validateBody(where: string, expected: string, mediaType: string, text: string, ref: string, status: number): unknown {
  if (mediaType !== expected) throw new ContractViolation(`${where}: expected ${expected}, got "${mediaType || 'no content type'}"`)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ContractViolation(`${where}: the body is not JSON: "${text.slice(0, 200)}"`)
  }
  const validate = ajv.getSchema(ref)
  if (!validate) throw new ContractViolation(`${where}: no schema at ${ref}`)
  if (!validate(body)) {
    const errors = (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`).join('; ')
    throw new ContractViolation(`${where}: body does not match the documented schema: ${errors}\n${text.slice(0, 500)}`)
  }
  // RFC 9457 §3.1.4: a problem's `status` is the response's status.
  if (expected === 'application/problem+json' && (body as { status?: unknown }).status !== status) {
    throw new ContractViolation(`${where}: the problem says status ${(body as { status?: unknown }).status}`)
  }
  return body
}

/** What is wrong with `value` against the schema at `tokens` in the committed document, or null when it fits. */
export function schemaErrors(tokens: string[], value: unknown): string | null {
  const validate = ajv.getSchema(schemaRef(tokens))
  if (!validate) throw new ContractViolation(`no schema at ${tokens.join('/')}`)
  if (validate(value)) return null
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`).join('; ')
}

/** A JSON pointer into the document as a URI fragment (RFC 6901 §6). */
function schemaRef(tokens: string[]): string {
  return `${DOCUMENT_ID}#/${tokens.map((token) => encodeURIComponent(token.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`
}

const EVENT_STREAM = 'text/event-stream'

/**
 * The events a stream may carry, by name, and the component schema of each one's `data` (JSON);
 * a `message` also has an `id`, the `seq` of its data, increasing along the stream, and a
 * `text_delta` has none. `MessageEventStream`'s description in the document says so in prose;
 * OpenAPI 3.1 has no keyword for it (3.2's `itemSchema`).
 */
const STREAM_EVENTS: Record<string, { schema: string; id: boolean }> = {
  message: { schema: 'Message', id: true },
  text_delta: { schema: 'TextDelta', id: false },
}

/** One event of a Server-Sent Events stream, as the contract checked it. */
export interface StreamEvent {
  event: string
  id: string
  // biome-ignore lint/suspicious/noExplicitAny: the contract checked the shape; tests read fields of it
  data: any
}

/**
 * Parses a text/event-stream (https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream)
 * as this contract frames it, and checks each event: a known name, `data` one JSON line matching its
 * schema, `id` that data's `seq`, ids increasing. Returns the events and the comments (heartbeats) in
 * order; `rest` is an unfinished event at the end of `text`.
 */
export function parseEventStream(where: string, text: string, lastId = 0): { items: (StreamEvent | { comment: string })[]; rest: string } {
  const items: (StreamEvent | { comment: string })[] = []
  const blocks = text.split('\n\n')
  const rest = blocks.pop() ?? ''
  for (const block of blocks) {
    const fields: Record<string, string> = {}
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        items.push({ comment: line.slice(1).trim() })
        continue
      }
      const colon = line.indexOf(':')
      const name = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (!['event', 'id', 'data'].includes(name)) throw new ContractViolation(`${where}: unexpected event field "${line.slice(0, 100)}"`)
      if (name in fields) throw new ContractViolation(`${where}: event field "${name}" twice (data must be one JSON line)`)
      fields[name] = value
    }
    if (fields.event === undefined && fields.data === undefined && fields.id === undefined) continue
    const event = fields.event ?? 'message'
    const known = STREAM_EVENTS[event]
    if (!known) throw new ContractViolation(`${where}: undocumented event "${event}"`)
    const schema = known.schema
    let data: unknown
    try {
      data = JSON.parse(fields.data ?? '')
    } catch {
      throw new ContractViolation(`${where}: the data of a ${event} event is not JSON: "${(fields.data ?? '').slice(0, 200)}"`)
    }
    const errors = schemaErrors(['components', 'schemas', schema], data)
    if (errors) throw new ContractViolation(`${where}: a ${event} event does not match ${schema}: ${errors}`)
    if (!known.id) {
      if (fields.id !== undefined) throw new ContractViolation(`${where}: a ${event} event has an id; only messages do`)
      items.push({ event, id: '', data })
      continue
    }
    const seq = (data as { seq: number }).seq
    if (fields.id !== String(seq)) throw new ContractViolation(`${where}: event id "${fields.id}" is not its data's seq ${seq}`)
    if (seq <= lastId) throw new ContractViolation(`${where}: event id ${seq} after ${lastId}: ids must increase`)
    lastId = seq
    items.push({ event, id: fields.id, data })
  }
  return { items, rest }
}

/**
 * Passes an event stream's bytes through, checking each event as it completes (`parseEventStream`);
 * a violation errors the stream, so the reader sees it.
 */
export function checkEventStream(where: string, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder()
  let pending = ''
  let lastId = 0
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        pending += decoder.decode(chunk, { stream: true })
        const { items, rest } = parseEventStream(where, pending, lastId)
        for (const item of items) if ('id' in item) lastId = Number(item.id)
        pending = rest
        controller.enqueue(chunk)
      },
      flush() {
        if ((pending + decoder.decode()).trim() !== '') throw new ContractViolation(`${where}: the stream ended inside an event`)
      },
    }),
  )
}

/** `response` with its event stream checked as it is read, when it is one; else `response` as it is. */
function withCheckedEvents(method: string, url: string, response: Response): Response {
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (mediaType !== EVENT_STREAM || !response.body) return response
  const where = `${method.toUpperCase()} ${new URL(url).pathname} → ${response.status}`
  return new Response(checkEventStream(where, response.body), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
}

type FetchLike = (request: Request) => Response | Promise<Response>

/**
 * Wraps a fetch (the real one, or `app.fetch` in-process) so that every response is checked
 * against the contract before the caller sees it; a violation rejects the request. Hand it to
 * the typed client as its `fetch`.
 */
export function contractFetch(inner: FetchLike): (request: Request) => Promise<Response> {
  return async (request) => {
    const method = request.method
    const url = request.url
    const response = await inner(request)
    await checkResponse(method, url, response)
    return withCheckedEvents(method, url, response)
  }
}

/** A response, checked against the contract, with its decoded body. */
export interface Checked {
  status: number
  headers: Headers
  // biome-ignore lint/suspicious/noExplicitAny: the contract checked the shape; tests read fields of it
  body: any
}

export interface CallOptions {
  /** JSON-encoded unless it is a string (sent as is). */
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
}

/**
 * One request to the app in-process (or to `baseUrl`, a real server), checked against the
 * contract. A body gets `Content-Type: application/json` unless `headers` says otherwise.
 *
 * @example
 * const created = await call(app, 'POST', '/v1/runs', { body: { workflow: 'echo' } })
 * expect(created.status).toBe(201)
 */
export async function call(target: ParleyApp | string, method: string, path: string, options: CallOptions = {}): Promise<Checked> {
  const headers = new Headers(options.headers)
  let body: string | undefined
  if (options.body !== undefined) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  }
  const base = typeof target === 'string' ? target : 'http://parley.test'
  const request = new Request(new URL(path, base), { method, headers, body, signal: options.signal ?? null })
  const response = typeof target === 'string' ? await fetch(request) : await target.fetch(request)
  const decoded = await checkResponse(method, request.url, response)
  // An event stream is read to its end (a finished run's): its body is its events.
  const events = withCheckedEvents(method, request.url, response)
  if (events !== response) {
    const where = `${method.toUpperCase()} ${request.url}`
    const { items } = parseEventStream(where, await events.text())
    return { status: response.status, headers: response.headers, body: items.filter((item) => 'id' in item) }
  }
  return { status: response.status, headers: response.headers, body: decoded }
}
