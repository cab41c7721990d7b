import type { z } from 'zod'
import type { Answer, Message } from '../schemas/messages.ts'
import { fieldErrors } from '../schemas/problem.ts'
import { isFinished } from '../schemas/runs.ts'
import type { RunRecord, Store } from '../store/store.ts'
import { answerProblem } from './answers.ts'
import type { Workflow } from './define-workflow.ts'
import { ParleyError } from './errors.ts'
import { requestFingerprint } from './fingerprint.ts'
import type { WorkflowRegistry } from './registry.ts'
import { cancelledDrafts } from './run-drafts.ts'
import { Stopping } from './stopping.ts'
import type { FirstClaim, Worker } from './worker.ts'

export interface RunManagerOptions {
  registry: WorkflowRegistry
  store: Store
  /** Active (not finished) runs one user may have at once. */
  maxActiveRunsPerUser: number
  /** This process's worker, which executes the runs started here; null in an API-only process (runs go to workers through the store). */
  worker: Worker | null
}

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

  constructor(options: RunManagerOptions) {
    this.#options = options
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
    const params = parseParams(workflow, request.params)
    const requestHash = request.idempotencyKey === undefined ? null : requestFingerprint(request.workflow, request.params)
    const worker = this.#options.worker
    // Executed where it is created when this process has room for it: no claim, no wait.
    const local = worker?.accepting && !this.#stopping.stopped ? worker : null
    const outcome = await this.#options.store.createRun({
      user_id: request.userId,
      workflow: workflow.name,
      params,
      idempotency_key: request.idempotencyKey ?? null,
      request_hash: requestHash,
      max_active_runs: this.#options.maxActiveRunsPerUser,
      lease: local ? { owner: local.id, ms: local.leaseMs } : undefined,
    })
    switch (outcome.kind) {
      case 'created':
        if (local && outcome.lease) local.adopt(outcome.run, outcome.lease)
        return { run: outcome.run, created: true }
      case 'existing':
        if (outcome.run.request_hash !== requestHash) {
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

  /** The run and its messages after `after`, if it exists and belongs to `userId` (else the same 404 as `getOwnedRun`). */
  async readOwnedPage(userId: string, runId: string, after: number, limit: number) {
    const page = await this.#options.store.readPage(runId, after, limit)
    if (!page || page.run.user_id !== userId) throw new ParleyError('run_not_found', `No run with id "${runId}"`)
    return page
  }

  /** The run if it exists and belongs to `userId`; anyone else gets the same 404 as for no run at all. */
  async getOwnedRun(userId: string, runId: string): Promise<RunRecord> {
    const run = await this.#options.store.getRun(runId)
    if (!run || run.user_id !== userId) throw new ParleyError('run_not_found', `No run with id "${runId}"`)
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
    const outcome = await store.answerQuestion(runId, questionId, answer, record.question.recipient ?? 'user', record.question.sender)
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
