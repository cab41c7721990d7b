import type { Answer, Message, TextDelta } from '../schemas/messages.ts'
import type { RunStatus } from '../schemas/runs.ts'
import { isFinished } from '../schemas/runs.ts'
import { decodeCursor, encodeCursor } from '../store/records.ts'
import type { RunRecord, Store } from '../store/store.ts'
import type { Workflow } from './define-workflow.ts'
import { ParleyError, RetryLaterError } from './errors.ts'
import { requestFingerprint, sameRequest } from './fingerprint.ts'
import { HeldPolls } from './held-polls.ts'
import type { InboxPage, InboxQuery } from './inbox.ts'
import { readInbox } from './inbox.ts'
import type { ClientGone, MessagePageData } from './long-poll.ts'
import { stateOf, waitForMessages } from './long-poll.ts'
import type { MessageStreamOptions } from './message-stream.ts'
import { DeltaRelay, followLog } from './message-stream.ts'
import { replyToQuestion } from './question-replies.ts'
import { RateLimit } from './rate-limit.ts'
import type { WorkflowRegistry } from './registry.ts'
import { DEFAULT_RUN_LIMITS } from './run-limits.ts'
import { checkedParams, DEFAULT_MAX_PARAMS_DEPTH } from './run-params.ts'
import { transitionRun } from './run-status.ts'
import { Stopping } from './stopping.ts'
import type { FirstClaim, Worker } from './worker.ts'

export interface RunManagerOptions {
  registry: WorkflowRegistry
  store: Store
  /** Active (not finished) runs one user may have at once. */
  maxActiveRunsPerUser: number
  /** Bytes of messages one page holds at most, always at least one message (default 4 MiB). */
  maxPageBytes?: number | undefined
  /** Bytes of one message: a reply or params over it are refused (default 256 KiB; the workflow's own messages are bounded by its worker). */
  maxMessageBytes?: number | undefined
  /** How deeply a run's params may nest, checked before anything recursive reads them (default 64). */
  maxParamsDepth?: number | undefined
  /** Long-polls one user may hold waiting at once in this process (default 100). */
  maxHeldPollsPerUser?: number | undefined
  /** Runs one user may start per minute in this process, in bursts of as many (default 60; 0: no limit). */
  runsPerMinute?: number | undefined
  /** This process's worker, which executes the runs started here; null in an API-only process (runs go to workers through the store). */
  worker: Worker | null
}

/** A `listMessages` page: 4 MiB of messages at most (and at least one). */
export const DEFAULT_MAX_PAGE_BYTES = 4 * 1024 * 1024

export interface StartRun {
  userId: string
  workflow: string
  params: unknown
  idempotencyKey?: string | undefined
}

/** A page of `listRuns`: which runs, how many, and the cursor a previous page gave (as the client sent it). */
export interface RunListQuery {
  status?: RunStatus | undefined
  workflow?: string | undefined
  limit: number
  cursor?: string | undefined
}

/** What a long-poll of a run's messages asks: after which seq, how many, and how long to wait for one. */
export interface MessagePoll {
  after: number
  limit: number
  waitMs: number
  /** Tells the poll its client went away; listened to only when the poll waits (see `MessageWait.clientGone`). */
  readonly clientGone?: ClientGone | undefined
  /** Also the live text of replies being generated (`deltas=true`); a held poll answers when more arrives. */
  deltas?: boolean | undefined
  /** How many deltas the client's previous page from the same cursor had: a poll with other ones answers at once. */
  deltasSeen?: number | undefined
}

/**
 * What the API asks of runs: start, list, read, follow, answer, cancel — managing them, not
 * executing them. Runs are executed by workers (worker.ts, run-executor.ts) — this process's own
 * (handed each run it starts), or any other sharing the store — and every effect a workflow has
 * goes through the store, so the log alone tells what happened. The HTTP layer talks to this
 * class only, never to the store.
 */
export class RunManager {
  readonly #options: RunManagerOptions
  readonly #stopping = new Stopping()
  /** Long-polls held open in this process now (the long-poll keeps the count). */
  readonly polls = { held: 0 }
  /** The per-user cap on those. */
  readonly #heldPolls: HeldPolls
  readonly #starts: RateLimit

  constructor(options: RunManagerOptions) {
    this.#options = options
    this.#heldPolls = new HeldPolls(options.maxHeldPollsPerUser ?? DEFAULT_MAX_HELD_POLLS_PER_USER)
    this.#starts = new RateLimit(options.runsPerMinute ?? DEFAULT_RUNS_PER_MINUTE)
  }

  workflowNames(): string[] {
    return this.#options.registry.list().map((workflow) => workflow.name)
  }

  workflowOrThrow(name: string): Workflow {
    const workflow = this.#options.registry.get(name)
    if (!workflow) throw new ParleyError('workflow_not_found', `No workflow named "${name}"`)
    return workflow
  }

  /** Validates params, creates the run (or returns the one an Idempotency-Key already made) and starts it. */
  async start(request: StartRun): Promise<{ run: RunRecord; created: boolean }> {
    const workflow = this.workflowOrThrow(request.workflow)
    const maxParamsDepth = this.#options.maxParamsDepth ?? DEFAULT_MAX_PARAMS_DEPTH
    const params = checkedParams(workflow, request.params, { maxParamsDepth, maxMessageBytes: this.maxMessageBytes })
    const requestHash = request.idempotencyKey === undefined ? null : requestFingerprint(request.workflow, request.params)
    const worker = this.#options.worker
    // Executed where it is created when this process has room for it: no claim, no wait.
    const local = worker?.accepting && !this.#stopping.stopped ? worker : null
    const waitSeconds = this.#starts.take(request.userId)
    if (waitSeconds !== null && request.idempotencyKey === undefined) throw this.#rateLimited(waitSeconds)
    const outcome = await this.#options.store
      .createRun({
        user_id: request.userId,
        workflow: workflow.name,
        params,
        idempotency_key: request.idempotencyKey ?? null,
        request_hash: requestHash,
        // Out of tokens, only a replay of an Idempotency-Key can succeed (a retry is never refused):
        // the store is asked with room for no new run, which finds the existing one or refuses.
        max_active_runs: waitSeconds === null ? this.#options.maxActiveRunsPerUser : 0,
        lease: local ? { owner: local.id, ms: local.leaseMs } : undefined,
      })
      .catch((error: unknown) => {
        // Nothing was started (the store is out of reach): the token is given back.
        if (waitSeconds === null) this.#starts.refund(request.userId)
        throw error
      })
    if (waitSeconds === null && outcome.kind !== 'created') this.#starts.refund(request.userId)
    if (waitSeconds !== null && outcome.kind === 'limit_reached') throw this.#rateLimited(waitSeconds)
    switch (outcome.kind) {
      case 'created':
        if (local && outcome.lease) local.adopt(outcome.run, outcome.lease)
        return { run: outcome.run, created: true }
      case 'existing':
        if (!sameRequest(outcome.run.request_hash, request.workflow, request.params)) {
          throw new ParleyError('idempotency_key_mismatch', 'This Idempotency-Key was already used for a different request', [
            { field: 'header.idempotency-key', message: 'reused with another workflow or other params' },
          ])
        }
        return { run: outcome.run, created: false }
      case 'limit_reached':
        throw new ParleyError(
          'too_many_active_runs',
          `At most ${this.#options.maxActiveRunsPerUser} runs may be active at once (you have ${outcome.active}); finish or cancel one first`,
        )
      default: {
        const unreachable: never = outcome
        throw new Error(`unexpected outcome ${JSON.stringify(unreachable)}`)
      }
    }
  }

  #rateLimited(waitSeconds: number): RetryLaterError {
    const perMinute = this.#options.runsPerMinute ?? DEFAULT_RUNS_PER_MINUTE
    return new RetryLaterError(
      'rate_limited',
      `At most ${perMinute} runs may be started per minute; retry in ${waitSeconds} s`,
      waitSeconds,
    )
  }

  /** The bytes of messages one page holds at most (always at least one message). */
  get maxPageBytes(): number {
    return this.#options.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES
  }

  /** The bytes of one message at most. */
  get maxMessageBytes(): number {
    return this.#options.maxMessageBytes ?? DEFAULT_RUN_LIMITS.maxMessageBytes
  }

  /** A page of `userId`'s runs, newest first, and the cursor of the next page (null on the last). */
  async listRuns(userId: string, query: RunListQuery): Promise<{ runs: RunRecord[]; next_cursor: string | null }> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
    if (cursor === null) {
      throw new ParleyError('validation_failed', 'The cursor was not issued by this server', [
        { field: 'query.cursor', message: 'use next_cursor from a previous page' },
      ])
    }
    // One extra row tells whether another page exists without a second query.
    const { status, workflow, limit } = query
    const rows = await this.#options.store.listRuns({ user_id: userId, status, workflow, limit: limit + 1, cursor })
    const runs = rows.slice(0, limit)
    const last = runs.at(-1)
    return { runs, next_cursor: rows.length > limit && last ? encodeCursor(last) : null }
  }

  /**
   * The long-poll of a run's log: the messages after `poll.after` at once if there are any (or the
   * run has finished), else the first to come within `poll.waitMs`. Counts among `userId`'s held polls.
   */
  pollMessages(userId: string, runId: string, poll: MessagePoll): Promise<MessagePageData & { deltas?: TextDelta[] }> {
    const firstPage = async () => {
      const { run, messages } = await this.readOwnedPage(userId, runId, poll.after, poll.limit)
      return { messages, ...stateOf(run) }
    }
    const wait = {
      runId,
      after: poll.after,
      limit: poll.limit,
      maxBytes: this.maxPageBytes,
      waitMs: poll.waitMs,
      clientGone: poll.clientGone,
      stopping: this.#stopping,
      gauge: this.polls,
      hold: (waitMs: number) => this.#heldPolls.hold(userId, waitMs),
      wakeOn: poll.deltas ? (answer: () => void) => this.#wakeOnDelta(runId, poll.after, poll.deltasSeen ?? 0, answer) : undefined,
    }
    // The wait's own promise, not an async function awaiting it: one frame fewer held per waiting poll.
    const waiting = waitForMessages(this.#options.store, wait, firstPage)
    if (!poll.deltas) return waiting
    return waiting.then((page) => ({ ...page, deltas: this.#pendingDeltas(runId, page.messages.at(-1)?.seq ?? poll.after) }))
  }

  /** The live text that follows the message at `through`: what a page ending there carries. */
  #pendingDeltas(runId: string, through: number): TextDelta[] {
    return this.#options.store.liveText.pending(runId).flatMap((live) => (live.afterSeq <= through ? [live.delta] : []))
  }

  /**
   * Answers a held `deltas=true` poll when live text arrives that follows what the client has — at
   * once when there already is other text than the `seen` deltas its previous page had.
   */
  #wakeOnDelta(runId: string, after: number, seen: number, answer: () => void): () => void {
    if (this.#pendingDeltas(runId, after).length !== seen) queueMicrotask(answer)
    return this.#options.store.liveText.subscribe(runId, (live) => {
      if (live.afterSeq <= after) answer()
    })
  }

  /**
   * Relays the live text of a run's replies to an event stream, each delta only once the stream has
   * sent the message it follows (`sent`); the deltas so far go first. See `DeltaRelay`.
   */
  relayDeltas(runId: string, send: (deltas: TextDelta[]) => void): DeltaRelay {
    return new DeltaRelay(this.#options.store.liveText, runId, send)
  }

  /**
   * The log of a run as a stream of pages (`GET /v1/runs/{run_id}/events`). Its first `next()`
   * reads the first page, so an unknown run (or another user's) is refused before anything is
   * streamed, and so is one more stream than `userId` may hold (`too_many_held_polls`: a stream
   * counts among the held long-polls, and in `polls.held`, for as long as it lasts). A run
   * already finished is streamed to its end without taking a place. See `followLog`.
   */
  streamMessages(userId: string, runId: string, options: MessageStreamOptions): AsyncGenerator<MessagePageData, void, undefined> {
    const readPage = async (after: number) => {
      const { run, messages } = await this.readOwnedPage(userId, runId, after, STREAM_PAGE_MESSAGES)
      return { messages, ...stateOf(run) }
    }
    const open = async () => {
      const first = await readPage(options.after)
      if (isFinished(first.status) || this.#stopping.stopped) return { first, release: () => undefined }
      const letGo = this.#heldPolls.hold(userId, Number.POSITIVE_INFINITY)
      this.polls.held++
      const release = () => {
        this.polls.held--
        letGo()
      }
      return { first, release }
    }
    return followLog({
      store: this.#options.store,
      runId,
      after: options.after,
      heartbeatMs: options.heartbeatMs,
      limit: STREAM_PAGE_MESSAGES,
      maxBytes: this.maxPageBytes,
      signal: options.signal,
      stopping: this.#stopping,
      open,
      readPage,
    })
  }

  /** The run and its messages after `after`, if it exists and belongs to `userId` (else the same 404 as `getOwnedRun`). */
  async readOwnedPage(userId: string, runId: string, after: number, limit: number) {
    const page = await this.#options.store.readPage(runId, after, limit, this.maxPageBytes, userId)
    if (!page) throw runNotFound(runId)
    return page
  }

  /**
   * The run if it exists and belongs to `userId`; anyone else gets the same 404 as for no run at all.
   * The store filters by user in the lookup itself, so another's run also costs the same time as none.
   */
  async getOwnedRun(userId: string, runId: string): Promise<RunRecord> {
    const run = await this.#options.store.getRun(runId, userId)
    if (!run) throw runNotFound(runId)
    return run
  }

  async cancel(userId: string, runId: string): Promise<RunRecord> {
    const run = await this.getOwnedRun(userId, runId)
    // Takes effect at once in the store; the worker executing the run (in any process) hears of it and stops it.
    // A finished run is refused (`run_not_active`) before anything is written.
    const cancelled = await transitionRun({ store: this.#options.store, run }, { to: 'cancelled' })
    if (!cancelled) {
      const latest = await this.getOwnedRun(userId, runId)
      throw new ParleyError('run_not_active', `Run "${runId}" has already finished (${latest.status})`)
    }
    return cancelled
  }

  async reply(userId: string, runId: string, questionId: string, answer: Answer): Promise<{ reply: Message; created: boolean }> {
    const store = this.#options.store
    // Not the owner: an assignee of this question may answer it, and nobody else learns the run exists
    // (both lookups filter by the user in the store, as for every run). The assignee's question, found
    // here, is not looked up again.
    const owned = await store.getRun(runId, userId)
    const assigned = owned ? null : await store.getQuestion(runId, questionId, userId)
    if (!owned && !assigned) throw runNotFound(runId)
    const reply = { runId, questionId, answer, maxMessageBytes: this.maxMessageBytes, answeredBy: userId }
    return replyToQuestion(store, reply, assigned ?? undefined)
  }

  /** The inbox (`GET /v1/questions`): the questions `userId` may answer, across runs; see `readInbox`. */
  listQuestions(userId: string, query: InboxQuery): Promise<InboxPage> {
    const deps = {
      store: this.#options.store,
      stopping: this.#stopping,
      gauge: this.polls,
      hold: (user: string, waitMs: number) => this.#heldPolls.hold(user, waitMs),
    }
    return readInbox(deps, userId, query)
  }

  /**
   * Starts this process's worker: it resumes the runs a previous server left unfinished (a
   * restart, a crash, a deploy) by replaying their journals, and from then on claims the runs
   * nobody executes. Reports what the first look found; an API-only process has nothing to start.
   */
  async startWorker(): Promise<FirstClaim> {
    return (await this.#options.worker?.start()) ?? { resumed: 0, failed: 0 }
  }

  /** Fires when the server begins to stop: held long-polls answer at once, new ones do not wait. */
  get stopping(): Stopping {
    return this.#stopping
  }

  /**
   * Stops: held long-polls are answered, and this process's worker parks its runs (each stopped
   * where it is, its lease released, so it resumes at once elsewhere or on the next start).
   */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopping.stop()
    await this.#options.worker?.stop(graceMs)
  }

  /** How many runs execute in this process right now. */
  get executingCount(): number {
    return this.#options.worker?.executingCount ?? 0
  }
}

const DEFAULT_MAX_HELD_POLLS_PER_USER = 100
/** Messages a stream reads from the store at once (its pages are bounded by bytes too). */
const STREAM_PAGE_MESSAGES = 100
const DEFAULT_RUNS_PER_MINUTE = 60

/** One answer for a run that is missing and a run that is someone else's: nothing tells them apart. */
function runNotFound(runId: string): ParleyError {
  return new ParleyError('run_not_found', `No run with id "${runId}"`)
}
