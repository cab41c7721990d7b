import type { z } from 'zod'
import type { Answer, Message } from '../schemas/messages.ts'
import { fieldErrors } from '../schemas/problem.ts'
import { isFinished } from '../schemas/runs.ts'
import type { RunRecord, Store } from '../store/store.ts'
import { answerProblem, shownAnswer } from './answers.ts'
import type { Workflow } from './define-workflow.ts'
import { ParleyError, RetryLaterError } from './errors.ts'
import { requestFingerprint, sameRequest } from './fingerprint.ts'
import { HeldPolls } from './held-polls.ts'
import { tooDeepAt } from './json-depth.ts'
import { RateLimit } from './rate-limit.ts'
import type { WorkflowRegistry } from './registry.ts'
import { cancelledDrafts } from './run-drafts.ts'
import { DEFAULT_RUN_LIMITS, jsonBytes } from './run-limits.ts'
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
/** Params nested deeper than this are refused (422) before they are fingerprinted, validated or stored. */
export const DEFAULT_MAX_PARAMS_DEPTH = 64

export interface StartRun {
  userId: string
  workflow: string
  params: unknown
  idempotencyKey?: string | undefined
}

/**
 * What the API asks of runs: start, read, answer, cancel. Runs are executed by workers — this
 * process's own (handed each run it starts), or any other sharing the store — and every effect
 * a workflow has goes through the store, so the log alone tells what happened.
 */
export class RunManager {
  readonly #options: RunManagerOptions
  readonly #stopping = new Stopping()
  /** Long-polls held open in this process now (the long-poll keeps the count). */
  readonly polls = { held: 0 }
  /** The per-user cap on those. */
  readonly heldPolls: HeldPolls
  readonly #starts: RateLimit

  constructor(options: RunManagerOptions) {
    this.#options = options
    this.heldPolls = new HeldPolls(options.maxHeldPollsPerUser ?? DEFAULT_MAX_HELD_POLLS_PER_USER)
    this.#starts = new RateLimit(options.runsPerMinute ?? DEFAULT_RUNS_PER_MINUTE)
  }

  get store(): Store {
    return this.#options.store
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
    this.#checkParamsDepth(request.params)
    const params = parseParams(workflow, request.params)
    this.#checkParamsSize(params)
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

  /** Params nested past `maxParamsDepth`: anything recursive (a fingerprint, a schema, JSON.stringify) would overflow the stack. */
  #checkParamsDepth(params: unknown): void {
    const maxDepth = this.#options.maxParamsDepth ?? DEFAULT_MAX_PARAMS_DEPTH
    const deep = tooDeepAt(params, maxDepth)
    if (deep !== null) {
      const field = deep === '' ? 'body.params' : `body.params.${deep}`
      const message = `nested deeper than ${maxDepth} levels of objects and arrays`
      throw new ParleyError('validation_failed', `Params may nest at most ${maxDepth} levels deep`, [{ field, message }])
    }
  }

  /** Valid params too large to fit the run's `workflow_started` message (a message's size is bounded). */
  #checkParamsSize(params: Record<string, unknown>): void {
    const bytes = jsonBytes(params)
    if (bytes > this.maxMessageBytes) {
      const message = `${bytes} bytes of JSON; a run's params may have at most ${this.maxMessageBytes}`
      throw new ParleyError('validation_failed', 'The params are larger than a run accepts', [{ field: 'body.params', message }])
    }
  }

  /** The bytes of messages one page holds at most (always at least one message). */
  get maxPageBytes(): number {
    return this.#options.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES
  }

  /** The bytes of one message at most. */
  get maxMessageBytes(): number {
    return this.#options.maxMessageBytes ?? DEFAULT_RUN_LIMITS.maxMessageBytes
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
    if (isFinished(run.status)) throw new ParleyError('run_not_active', `Run "${runId}" has already finished (${run.status})`)
    // Takes effect at once in the store; the worker executing the run (in any process) hears of it and stops it.
    const cancelled = await this.#options.store.finishRun(runId, {
      drafts: cancelledDrafts(),
      change: { status: 'cancelled', finished_at: new Date().toISOString() },
      questionStatus: 'cancelled',
    })
    if (!cancelled) {
      const latest = await this.getOwnedRun(userId, runId)
      throw new ParleyError('run_not_active', `Run "${runId}" has already finished (${latest.status})`)
    }
    return cancelled
  }

  async reply(userId: string, runId: string, questionId: string, answer: Answer): Promise<{ reply: Message; created: boolean }> {
    await this.getOwnedRun(userId, runId)
    const store = this.#options.store
    const record = await store.getQuestion(runId, questionId)
    if (!record) throw new ParleyError('question_not_found', `Run "${runId}" has no question "${questionId}"`)
    const problem = answerProblem(record.question, answer)
    if (problem) throw new ParleyError('answer_invalid', problem, [{ field: 'body.answer', message: problem }])
    const bytes = jsonBytes(answer)
    if (bytes > this.maxMessageBytes) {
      const message = `${bytes} bytes of JSON; an answer may have at most ${this.maxMessageBytes}`
      throw new ParleyError('answer_invalid', 'The answer is larger than a message may be', [{ field: 'body.answer', message }])
    }
    const { recipient, sender } = record.question
    const outcome = await store.answerQuestion(runId, questionId, answer, recipient ?? 'user', sender, shownAnswer(record.question, answer))
    switch (outcome.kind) {
      case 'answered':
        return { reply: outcome.reply, created: true }
      case 'duplicate':
        return { reply: outcome.reply, created: false }
      case 'not_pending':
        if (outcome.status === 'expired') {
          const expiresAt = record.question.content.expires_at
          throw new ParleyError('question_expired', `Question "${questionId}" expired at ${expiresAt ?? 'its deadline'}; it takes no reply`)
        }
        throw new ParleyError('question_not_pending', `Question "${questionId}" is ${outcome.status}, not pending`)
      case 'not_found':
        throw new ParleyError('question_not_found', `Run "${runId}" has no question "${questionId}"`)
      default: {
        const unreachable: never = outcome
        throw new Error(`unexpected outcome ${JSON.stringify(unreachable)}`)
      }
    }
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
const DEFAULT_RUNS_PER_MINUTE = 60

/** One answer for a run that is missing and a run that is someone else's: nothing tells them apart. */
function runNotFound(runId: string): ParleyError {
  return new ParleyError('run_not_found', `No run with id "${runId}"`)
}

function parseParams(workflow: Workflow, raw: unknown): Record<string, unknown> {
  const parsed = (workflow.params as z.ZodType).safeParse(raw ?? {})
  if (!parsed.success) {
    const errors = fieldErrors('body.params', parsed.error)
    throw new ParleyError('validation_failed', `Invalid params for workflow "${workflow.name}"`, errors)
  }
  const value = parsed.data
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`workflow "${workflow.name}" params schema must produce an object`)
  }
  return value as Record<string, unknown>
}
