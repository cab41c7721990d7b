import { readFileSync } from 'node:fs'
import fc from 'fast-check'

/**
 * Requests for the spec-driven fuzz test (fuzz.test.ts), generated from the COMMITTED
 * `openapi/v1.json`: for every operation, a valid request built from the document's parameters and
 * examples, then mutated — path and query params of the wrong type or shape, odd headers and
 * content types, bodies with wrong types, missing and unknown fields, huge strings, deep nesting,
 * broken JSON — plus methods and paths the document does not have.
 */

/** One generated request, ready to send; `body` is serialized by `bodyBytes`. */
export interface FuzzRequest {
  /** The operation it was made from, or `(odd path)` for a path the document does not have. */
  operationId: string
  /** What was changed from a valid request, e.g. `valid`, `query:limit`, `body:deep`. */
  mutation: string
  method: string
  /** Path and query, percent-encoded as sent. */
  path: string
  headers: Record<string, string>
  body?: FuzzBody
  /** Sent without Content-Length (chunked). */
  chunked?: boolean
}

export type FuzzBody = { json: unknown } | { text: string } | { bytes: number[] }

/** What the server holds when the requests are generated: real ids, so many requests reach the handlers. */
export interface FuzzContext {
  workflows: string[]
  /** The caller's runs (some active, some finished). */
  runIds: string[]
  /** Runs of another user: 404 for the caller, like an unknown id. */
  otherUsersRunIds: string[]
  /** Questions pending in the caller's runs, with their run. */
  questions: { runId: string; questionId: string }[]
  /** The caller's API key and another user's. */
  key: string
  otherKey: string
}

interface ParameterObject {
  name: string
  in: 'path' | 'query' | 'header'
  required?: boolean
  example?: unknown
  schema?: JsonSchema
}
interface JsonSchema {
  type?: string
  enum?: unknown[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  $ref?: string
}
interface OperationObject {
  operationId?: string
  parameters?: ParameterObject[]
  requestBody?: { required?: boolean; content?: Record<string, { example?: unknown }> }
}

/** An operation of the document, as the generator uses it. */
export interface SpecOperation {
  operationId: string
  method: string
  template: string
  parameters: ParameterObject[]
  /** The example of its JSON body, when it takes one. */
  bodyExample?: Record<string, unknown>
}

const DOCUMENT_URL = new URL('../../openapi/v1.json', import.meta.url)
const METHODS = ['get', 'post', 'put', 'patch', 'delete']

/** Every operation of the committed document. */
export function specOperations(): SpecOperation[] {
  const document = JSON.parse(readFileSync(DOCUMENT_URL, 'utf8')) as {
    paths: Record<string, Record<string, OperationObject>>
    components: { schemas: Record<string, JsonSchema> }
  }
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined =>
    schema?.$ref ? document.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema
  return Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => {
        const example = operation.requestBody?.content?.['application/json']?.example
        return {
          operationId: operation.operationId ?? `${method} ${template}`,
          method: method.toUpperCase(),
          template,
          parameters: (operation.parameters ?? []).map((parameter) => ({ ...parameter, schema: resolve(parameter.schema) })),
          bodyExample: typeof example === 'object' && example !== null ? (example as Record<string, unknown>) : undefined,
        }
      }),
  )
}

/** A string of `size` characters that is only built when it is serialized (JSON.stringify calls toJSON). */
class HugeString {
  constructor(readonly size: number) {}
  toJSON(): string {
    return 'x'.repeat(this.size)
  }
}

/** Arrays (or objects) nested `depth` deep, built when serialized. */
class Nested {
  constructor(
    readonly depth: number,
    readonly kind: 'array' | 'object',
  ) {}
  toJSON(): unknown {
    let value: unknown = 1
    for (let level = 0; level < this.depth; level++) value = this.kind === 'array' ? [value] : { a: value }
    return value
  }
}

/** The bytes of a body as sent. */
export function bodyBytes(body: FuzzBody): Buffer {
  if ('json' in body) return Buffer.from(JSON.stringify(body.json) ?? 'null', 'utf8')
  if ('text' in body) return Buffer.from(body.text, 'utf8')
  return Buffer.from(body.bytes)
}

/** Printable ASCII: what a header value or an unencoded path may carry. */
const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength })

/** Any Unicode text (no lone surrogates, so it can be percent-encoded). */
const unicode = (maxLength = 40) => fc.string({ unit: 'grapheme', maxLength })

/**
 * Depths of nesting: shallow, just over the server's params depth limit (64), and far beyond it,
 * still within what a JSON parser reads without running out of stack.
 */
const DEPTHS = [8, 65, 300, 1000]
/** A long string that fits the 1 MiB body limit, and two that do not. */
const HUGE = [100_000, 1_100_000, 3_000_000]

/** A JSON value of a wrong or unexpected kind, sometimes huge or deeply nested. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: unicode(200) },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1e308, -0, '', ' ', '0', 'null', '[]', '{}') },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE.slice(0, 2)).map((size) => new HugeString(size)) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...DEPTHS), fc.constantFrom('array' as const, 'object' as const)).map(([d, k]) => new Nested(d, k)),
  },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 40 }) },
)

/** Bodies that are not JSON, or not the JSON they claim to be. */
const brokenBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.constantFrom<FuzzBody>(
    { text: '' },
    { text: '{' },
    { text: '{"workflow":' },
    { text: '{"workflow":"echo",}' },
    { text: "{'workflow':'echo'}" },
    { text: '{"workflow":"echo","params":{"text":NaN}}' },
    { text: '{"workflow":"echo"} trailing' },
    { text: '\uFEFF{"workflow":"echo","params":{}}' },
    { text: '{"workflow":"echo","workflow":"greet","params":{}}' },
    { text: '{"__proto__":{"polluted":true},"workflow":"echo","params":{}}' },
    { text: '{"constructor":{"prototype":{"x":1}},"question_id":"q","answer":"a"}' },
    { text: 'null' },
    { text: '"a string"' },
    { text: '12345678901234567890123456789' },
    { text: '[{"workflow":"echo"}]' },
    { text: '\u0000\u0001\u0002' },
    { bytes: [0xff, 0xfe, 0x7b, 0x7d] },
    { bytes: [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d] },
  ),
  printable(300).map((text): FuzzBody => ({ text })),
  fc.constantFrom(...DEPTHS).map((depth): FuzzBody => ({ text: `${'['.repeat(depth)}${']'.repeat(depth)}` })),
)

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/merge-patch+json',
  'application/problem+json',
  'APPLICATION/JSON',
  'application/json, text/plain',
  'a/b/c',
  'json',
  '',
]

/** Path segments that are not ids: percent-encoding edge cases, traversal, separators. */
const ODD_SEGMENTS = [
  '%',
  '%zz',
  '%2F',
  '%2f..%2f',
  '%00',
  '..',
  '.',
  '%C0%AF',
  '%FF',
  ';x=1',
  'a:b',
  '@',
  '~',
  '*',
  '%20',
  '+',
  '%E2%80%AE',
]

const pathSegment = fc.oneof(
  { weight: 3, arbitrary: unicode().map((text) => encodeURIComponent(text)) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_SEGMENTS) },
  { weight: 1, arbitrary: fc.constantFrom(2_000, 20_000).map((size) => 'a'.repeat(size)) },
  { weight: 1, arbitrary: fc.uuid().map(String) },
)

const queryValue = fc.oneof(
  fc.constantFrom('', '-1', '0', '1.5', '1e999', 'NaN', 'Infinity', '0x10', '00001', '%201', '1%20', 'true', 'null', '[]', '%', '%zz'),
  fc.integer().map(String),
  fc.double({ noNaN: true }).map(String),
  unicode().map((text) => encodeURIComponent(text)),
  fc.constant('9'.repeat(400)),
)

/** A valid value of a parameter: a real id for path params, a value its schema allows for query ones. */
function validParameter(parameter: ParameterObject, context: FuzzContext): fc.Arbitrary<string> {
  if (parameter.name === 'workflow_name') return fc.constantFrom(...context.workflows)
  if (parameter.name === 'run_id') return fc.constantFrom(...context.runIds)
  // Held long-polls would stretch the test to minutes; out-of-range waits are mutations.
  if (parameter.name === 'wait') return fc.constantFrom('0', '0.5', '1')
  const schema = parameter.schema ?? {}
  if (schema.enum) return fc.constantFrom(...schema.enum.map(String))
  if (schema.type === 'integer') return fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1000, 1000) }).map(String)
  if (schema.type === 'number') return fc.double({ min: schema.minimum ?? 0, max: schema.maximum ?? 10, noNaN: true }).map(String)
  if (parameter.name === 'workflow') return fc.constantFrom(...context.workflows)
  if (parameter.name === 'idempotency-key') return printable(40).filter((text) => text.trim().length > 0)
  return fc.constant(String(parameter.example ?? 'x'))
}

/** A valid body for the operation: its example, with the ids of this server where it names some. */
function validBody(operation: SpecOperation, question: { questionId: string }): Record<string, unknown> | undefined {
  const example = operation.bodyExample
  if (!example) return undefined
  if ('question_id' in example) return { ...example, question_id: question.questionId }
  return structuredClone(example)
}

/** Returns a copy of `body` with the value at a random top-level or `params` key replaced, removed, or a key added. */
function mutateBody(body: Record<string, unknown>): fc.Arbitrary<{ body: unknown; mutation: string }> {
  const params = typeof body.params === 'object' && body.params !== null ? (body.params as Record<string, unknown>) : undefined
  const keys = [...Object.keys(body).map((key) => [key]), ...Object.keys(params ?? {}).map((key) => ['params', key])]
  /** A copy of `body` with `path` (a top-level key, or `params` and a key) set to `value`, or deleted when it is `undefined`. */
  const at = (path: string[], value: unknown) => {
    const copy = structuredClone(body)
    const target = path.length === 2 ? (copy.params as Record<string, unknown>) : copy
    const key = path.at(-1) ?? ''
    if (value === undefined) delete target[key]
    else target[key] = value
    return copy
  }
  const some = <T>(values: T[]) => (values.length > 0 ? fc.constantFrom(...values) : fc.constant(undefined))
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(some(keys), oddValue).map(([path, value]) => ({
        body: path ? at(path, value) : value,
        mutation: 'body:wrong-type',
      })),
    },
    {
      weight: 2,
      arbitrary: some(keys).map((path) => ({
        body: path ? at(path, undefined) : {},
        mutation: 'body:missing-field',
      })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.boolean(), fc.string({ minLength: 1, maxLength: 12 }), oddValue).map(([inParams, key, value]) => ({
        body: at(inParams && params ? ['params', key] : [key], value),
        mutation: 'body:unknown-field',
      })),
    },
    { weight: 2, arbitrary: oddValue.map((value) => ({ body: value, mutation: 'body:replaced' })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...HUGE).map((size) => ({
        body: { ...body, ...(params ? { params: { ...params, text: new HugeString(size) } } : { answer: new HugeString(size) }) },
        mutation: 'body:huge',
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...DEPTHS), fc.constantFrom('array' as const, 'object' as const)).map(([depth, kind]) => ({
        body: { ...body, ...(params ? { params: { ...params, nested: new Nested(depth, kind) } } : { answer: new Nested(depth, kind) }) },
        mutation: 'body:deep',
      })),
    },
  )
}

/** The Authorization header: the caller's key most of the time, sometimes another user's, a wrong one, a malformed one, or none. */
function authorization(context: FuzzContext): fc.Arbitrary<{ header: string | undefined; auth: string }> {
  const { key, otherKey } = context
  return fc.oneof(
    { weight: 85, arbitrary: fc.constant({ header: `Bearer ${key}`, auth: 'key' }) },
    { weight: 3, arbitrary: fc.constant({ header: `Bearer ${otherKey}`, auth: 'other-user' }) },
    {
      weight: 5,
      arbitrary: fc
        .constantFrom(`Bearer ${key.slice(0, -1)}`, `Bearer ${key}x`, 'Bearer wrong-key-wrong-key-wrong', `Bearer ${'k'.repeat(4000)}`)
        .map((header) => ({ header, auth: 'wrong-key' })),
    },
    { weight: 4, arbitrary: fc.constant({ header: undefined, auth: 'none' }) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(
          `Basic ${Buffer.from(`a:${key}`).toString('base64')}`,
          'Bearer',
          'Bearer ',
          `bearer ${key}`,
          `${key}`,
          `Bearer ${key} ${key}`,
        )
        .map((header) => ({ header, auth: 'malformed' })),
    },
  )
}

/** One operation's requests: valid ones and each kind of mutation of them. */
function operationRequests(operation: SpecOperation, context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const pathParams = operation.parameters.filter((parameter) => parameter.in === 'path')
  const queryParams = operation.parameters.filter((parameter) => parameter.in === 'query')
  const headerParams = operation.parameters.filter((parameter) => parameter.in === 'header')
  const record = <T>(params: ParameterObject[], value: (parameter: ParameterObject) => fc.Arbitrary<T>) =>
    fc.record(Object.fromEntries(params.map((parameter) => [parameter.name, value(parameter)])) as Record<string, fc.Arbitrary<T>>)
  const optional = (parameter: ParameterObject) =>
    parameter.required ? validParameter(parameter, context) : fc.option(validParameter(parameter, context), { nil: undefined })

  const valid = fc.record({
    path: record(pathParams, (parameter) => validParameter(parameter, context)),
    query: record(queryParams, optional),
    headers: record(headerParams, optional),
    question: fc.constantFrom(...context.questions),
    auth: authorization(context),
  })

  type Mutation = { mutation: string; apply: (request: FuzzRequest) => FuzzRequest }
  const mutations: { weight: number; arbitrary: fc.Arbitrary<Mutation> }[] = [
    { weight: 4, arbitrary: fc.constant({ mutation: 'valid', apply: (request) => request }) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.string({ maxLength: 10 }), queryValue).map(([name, value]) => ({
        mutation: 'query:unknown',
        apply: (request) => withQuery(request, `${encodeURIComponent(name) || 'x'}=${value}`),
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('accept', 'accept-encoding', 'x-http-method-override', 'origin', 'if-none-match', 'range', 'expect'),
          printable(60),
        )
        .map(([name, value]) => ({ mutation: `header:${name}`, apply: (request) => withHeader(request, name, value) })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(brokenBody, fc.constantFrom(...CONTENT_TYPES, 'application/json')).map(([body, type]) => ({
        mutation: 'body:broken',
        apply: (request) => ({ ...withHeader(request, 'content-type', type), body }),
      })),
    },
  ]
  if (pathParams.length > 0) {
    mutations.push({
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom(...pathParams.map((parameter) => parameter.name)), pathSegment, fc.constantFrom(...context.otherUsersRunIds))
        .chain(([name, segment, foreign]) =>
          fc.constantFrom(
            {
              mutation: `path:${name}`,
              apply: (request: FuzzRequest) => ({ ...request, path: replaceParam(operation, request, name, segment) }),
            },
            {
              mutation: name === 'run_id' ? `path:${name}:other-user` : `path:${name}`,
              apply: (request: FuzzRequest) => ({
                ...request,
                path: replaceParam(operation, request, name, name === 'run_id' ? foreign : segment),
              }),
            },
          ),
        ),
    })
  }
  if (queryParams.length > 0) {
    mutations.push({
      weight: 5,
      arbitrary: fc
        .tuple(fc.constantFrom(...queryParams.map((parameter) => parameter.name)), queryValue, fc.boolean())
        .map(([name, value, twice]) => ({
          mutation: `query:${name}`,
          apply: (request) => withQuery(request, twice ? `${name}=1&${name}=${value}` : `${name}=${value}`),
        })),
    })
  }
  if (headerParams.length > 0 || operation.bodyExample) {
    mutations.push({
      weight: 2,
      arbitrary: fc.oneof(printable(300), fc.constantFrom('', ' ', 'a'.repeat(256), 'a'.repeat(8000))).map((value) => ({
        mutation: 'header:idempotency-key',
        apply: (request) => withHeader(request, 'idempotency-key', value),
      })),
    })
  }
  if (operation.bodyExample) {
    const example = operation.bodyExample
    mutations.push(
      {
        weight: 8,
        arbitrary: mutateBody(example).map(({ body, mutation }) => ({
          mutation,
          apply: (request) => ({ ...request, body: { json: body } }),
        })),
      },
      {
        weight: 2,
        arbitrary: fc.constantFrom(...CONTENT_TYPES, undefined).map((type) => ({
          mutation: 'header:content-type',
          apply: (request) => {
            const headers = { ...request.headers }
            delete headers['content-type']
            return { ...request, headers: type === undefined ? headers : { ...headers, 'content-type': type } }
          },
        })),
      },
      { weight: 1, arbitrary: fc.constant({ mutation: 'body:chunked', apply: (request) => ({ ...request, chunked: true }) }) },
      { weight: 1, arbitrary: fc.constant({ mutation: 'body:none', apply: (request) => ({ ...request, body: undefined }) }) },
    )
  }

  return fc.tuple(valid, fc.oneof(...mutations)).map(([values, { mutation, apply }]) => {
    let path = operation.template
    for (const [name, value] of Object.entries(values.path)) path = path.replace(`{${name}}`, encodeURIComponent(value))
    const query = Object.entries(values.query)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(values.headers)) if (value !== undefined) headers[name] = value
    if (values.auth.header !== undefined) headers.authorization = values.auth.header
    const body = validBody(operation, values.question)
    if (body) headers['content-type'] = 'application/json'
    const request: FuzzRequest = {
      operationId: operation.operationId,
      mutation,
      method: operation.method,
      path: query.length > 0 ? `${path}?${query.join('&')}` : path,
      headers,
      body: body ? { json: body } : undefined,
    }
    const mutated = apply(request)
    return { ...mutated, mutation: values.auth.auth === 'key' ? mutation : `${mutation}+auth:${values.auth.auth}` }
  })
}

/** Methods the document does not list for a path, and paths it does not have. */
function oddRequests(operations: SpecOperation[], context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const knownPaths = [...new Set(operations.map((operation) => operation.template))].map((template) =>
    template.replace('{workflow_name}', 'greet').replace('{run_id}', context.runIds[0] ?? 'x'),
  )
  const oddPaths = [
    '/',
    '/v1',
    '/v1/',
    '/v1/runs/',
    '/v1//runs',
    '/V1/runs',
    '/v2/runs',
    '/v1/runs/x/y/z',
    '/v1/runs/%2e%2e/',
    '/v1/workflows/greet/runs/extra',
    '/v1/../healthz',
    '/v1/runs?limit=1#fragment',
    '/openapi.json',
    '/docs',
    '/healthz',
    '/v1/questions',
    '/v1/webhooks',
    '/.env',
    '/%',
    `/${'a'.repeat(9000)}`,
  ]
  return fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND'),
      path: fc.oneof(fc.constantFrom(...knownPaths), fc.constantFrom(...oddPaths)),
      auth: authorization(context),
      body: fc.option(brokenBody, { nil: undefined }),
    })
    .map(
      ({ method, path, auth, body }): FuzzRequest => ({
        operationId: '(odd method or path)',
        mutation: auth.auth === 'key' ? 'odd' : `odd+auth:${auth.auth}`,
        method,
        path,
        headers: auth.header === undefined ? {} : { authorization: auth.header },
        // Node's client refuses a body on these.
        body: method === 'GET' || method === 'HEAD' || method === 'TRACE' ? undefined : body,
      }),
    )
}

/**
 * Every operation's requests, each operation equally likely, and odd methods and paths.
 *
 * @example
 * fc.sample(fuzzRequests(specOperations(), context), { seed: 20261127, numRuns: 2400 })
 */
export function fuzzRequests(operations: SpecOperation[], context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...operations.map((operation) => ({ weight: 4, arbitrary: operationRequests(operation, context) })), {
    weight: 4,
    arbitrary: oddRequests(operations, context),
  })
}

function withQuery(request: FuzzRequest, pair: string): FuzzRequest {
  return { ...request, path: `${request.path}${request.path.includes('?') ? '&' : '?'}${pair}` }
}

function withHeader(request: FuzzRequest, name: string, value: string): FuzzRequest {
  return { ...request, headers: { ...request.headers, [name]: value } }
}

/** The request's path with `{name}` filled with `segment` (already encoded) instead of its valid value. */
function replaceParam(operation: SpecOperation, request: FuzzRequest, name: string, segment: string): string {
  const [, query] = request.path.split('?', 2)
  const names = [...operation.template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1])
  const templateParts = operation.template.split('/')
  const actualParts = (request.path.split('?', 1)[0] ?? '').split('/')
  const index = templateParts.indexOf(`{${name}}`)
  if (index >= 0 && names.includes(name)) actualParts[index] = segment
  const path = actualParts.join('/')
  return query === undefined ? path : `${path}?${query}`
}
