import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Context } from 'hono'
import { problemHeaders, problemOfError } from './problem.ts'

/**
 * A held long-poll (or an event stream: `stream`), answered on the Node response once Hono's
 * chain has let go of it.
 *
 * A poll that waits would otherwise keep the whole request in memory for as long as it waits: the
 * adapter's frames, Hono's dispatch, every middleware level, the validators and the `Context`
 * (`npm run bench -- --only idle`, RSS per held poll). Everything that decides the answer still
 * runs in the chain: Host, auth, CORS and the zod validation of path and query. Only when the poll
 * is about to wait does the handler `detach`: the chain ends at once with @hono/node-server's
 * `RESPONSE_ALREADY_SENT`, and the page (or problem) is written here when it comes, with the
 * headers the chain's response carried (CORS's) and those Hono's `c.json` would add.
 *
 * Only requests `ParleyApp.fetch` passes to Hono over Node can detach (`canDetach`): it is what
 * hands the chain's final headers back (`chainEnded`). In-process requests (`app.request`) and
 * `parley.hono` served some other way keep the chain until the answer.
 */
export class DetachedAnswer {
  #chainHeaders: OutgoingHttpHeaders | undefined
  #answer: Answer | undefined
  /** The chain answered itself after all (an error after the handler): nothing is written here. */
  #dropped = false

  constructor(
    private readonly outgoing: ServerResponse,
    /** The request's method and path, for a problem's `instance` and a log line. */
    private readonly method: string,
    private readonly instance: string,
  ) {}

  /** The answer: `body` serialised as JSON, as `c.json` does. */
  json(status: number, body: unknown): void {
    const text = JSON.stringify(body)
    this.#answer = { status, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }, body: text }
    this.#flush()
  }

  /** The error the answer became, as the app's error path would answer it (src/http/problem.ts). */
  fail(error: unknown): void {
    const thrown = error instanceof Error ? error : new Error(String(error))
    const { problem, retryAfterSeconds } = problemOfError(thrown, this.method, this.instance, () => this.outgoing.destroyed)
    const text = JSON.stringify(problem)
    const headers = { ...problemHeaders(problem, retryAfterSeconds), 'content-length': Buffer.byteLength(text) }
    this.#answer = { status: problem.status, headers, body: text }
    this.#flush()
  }

  /**
   * The answer is a stream (an event stream's): resolves with its writer once the head is sent
   * with the chain's headers, or with null when it cannot be (the client gone, the chain answered).
   */
  stream(status: number, headers: Record<string, string>): Promise<DetachedStream | null> {
    if (this.#dropped) return Promise.resolve(null)
    return new Promise((opened) => {
      this.#answer = { status, headers, body: null, opened }
      this.#flush()
    })
  }

  /** The chain has ended with `response`: its headers go with the answer, unless it answered itself. */
  chainEnded(response: Response): void {
    if (response.headers.get(ALREADY_SENT) === null) {
      this.#dropped = true
      this.#answer?.opened?.(null)
      return
    }
    const headers: OutgoingHttpHeaders = {}
    response.headers.forEach((value, name) => {
      if (name !== ALREADY_SENT && name !== 'content-type' && name !== 'content-length') headers[name] = value
    })
    this.#chainHeaders = headers
    this.#flush()
  }

  /** Written once both halves are in: the chain's headers and the answer (either may come first). */
  #flush(): void {
    const answer = this.#answer
    if (this.#dropped || !answer || !this.#chainHeaders) return
    this.#dropped = true
    // A client gone meanwhile has nobody to read it.
    if (this.outgoing.destroyed || this.outgoing.headersSent) {
      answer.opened?.(null)
      return
    }
    try {
      this.outgoing.writeHead(answer.status, { ...this.#chainHeaders, ...answer.headers })
      if (answer.body === null) {
        // A stream's head goes at once: its first event may be a heartbeat away.
        this.outgoing.flushHeaders()
        answer.opened?.(new DetachedStream(this.outgoing))
      } else {
        // HEAD: Node sends the headers alone.
        this.outgoing.end(answer.body)
      }
    } catch (error) {
      // Written from a promise's callback: thrown on, it would be an unhandled rejection. The
      // connection (closing under us, an HTTP/2 stream reset) cannot carry the answer: end it.
      console.error('parley: a held long-poll could not be answered:', error)
      this.outgoing.destroy()
      answer.opened?.(null)
    }
  }
}

interface Answer {
  status: number
  headers: Record<string, string | number>
  /** null: a stream, whose writer goes to `opened` once the head is sent. */
  body: string | null
  opened?: (stream: DetachedStream | null) => void
}

/** The body of a detached stream, written on the Node response as it comes, at the client's pace. */
export class DetachedStream {
  constructor(private readonly outgoing: ServerResponse) {}

  /** The client has gone, or the stream has ended: nothing more is written. */
  get closed(): boolean {
    return this.outgoing.destroyed || this.outgoing.writableEnded
  }

  /** Writes `text`; resolves once the client has taken in what was buffered (or has gone). */
  write(text: string): Promise<void> {
    if (this.closed || this.outgoing.write(text)) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.outgoing.off('drain', done)
        this.outgoing.off('close', done)
        resolve()
      }
      this.outgoing.once('drain', done)
      this.outgoing.once('close', done)
    })
  }

  end(): void {
    if (!this.closed) this.outgoing.end()
  }
}

const ALREADY_SENT = 'x-hono-already-sent'
const DETACHABLE = Symbol('parley.detachable')
const DETACHED = Symbol('parley.detached')

type DetachableBindings = HttpBindings & { [DETACHABLE]?: true; [DETACHED]?: DetachedAnswer }

function isNodeBindings(env: unknown): env is DetachableBindings {
  const outgoing = (env as Partial<HttpBindings> | undefined)?.outgoing
  return outgoing !== undefined && typeof outgoing.writeHead === 'function'
}

/**
 * Runs `fetch` (Hono's) on a request @hono/node-server passed with its Node bindings, letting its
 * long-polls detach, and hands a detached one the chain's final response. Only GET and HEAD can be
 * long-polls: every other request passes as it is, with nothing added to its way.
 */
export function fetchDetachable(
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>,
  request: Request,
  env: unknown,
): Response | Promise<Response> {
  if ((request.method !== 'GET' && request.method !== 'HEAD') || !isNodeBindings(env)) return fetch(request, env)
  env[DETACHABLE] = true
  const response = fetch(request, env)
  return response instanceof Promise ? response.then((made) => chainEnded(made, env)) : chainEnded(response, env)
}

function chainEnded(response: Response, env: DetachableBindings): Response {
  env[DETACHED]?.chainEnded(response)
  return response
}

/** Whether this request's answer may be written after the chain ends (see `DetachedAnswer`). */
export function canDetach(c: Context): boolean {
  return (c.env as DetachableBindings | undefined)?.[DETACHABLE] === true
}

/**
 * Detaches the request's answer from the chain (only when `canDetach`): returns it, with the
 * response to end the chain with now.
 */
export function detach(c: Context): { answer: DetachedAnswer; endChain: Response } {
  const env = c.env as DetachableBindings
  const answer = new DetachedAnswer(env.outgoing, c.req.method, new URL(c.req.url).pathname)
  env[DETACHED] = answer
  return { answer, endChain: RESPONSE_ALREADY_SENT }
}
