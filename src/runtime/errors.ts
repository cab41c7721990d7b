import type { FieldError, ProblemCode } from '../schemas/problem.ts'

/**
 * A failure the caller can act on, named by a stable code. The HTTP layer turns it into an
 * RFC 9457 problem (https://www.rfc-editor.org/rfc/rfc9457) in one place, `onError`.
 */
export class ParleyError extends Error {
  constructor(
    readonly code: ProblemCode,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message)
    this.name = 'ParleyError'
  }
}

/** Raised inside a workflow when its run was cancelled; the runtime swallows it. */
export class RunCancelledError extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} was cancelled`)
    this.name = 'RunCancelledError'
  }
}

/** The abort reason of runs parked by a shutdown: they stop here and resume on the next start. */
export class ServerStoppingError extends Error {
  constructor() {
    super('the server is stopping; the run resumes when it starts again')
    this.name = 'ServerStoppingError'
  }
}

/**
 * What `ui.textInput` / `ui.multipleChoice` throw when their question expired with
 * `on_timeout: 'error'`. Uncaught, it fails the run; a workflow may catch it and carry on.
 *
 * @example
 * try {
 *   approved = await ui.multipleChoice({ prompt: 'Approve?', choices: ['yes', 'no'], timeout_seconds: 3600, on_timeout: 'error' })
 * } catch (error) {
 *   if (!(error instanceof QuestionExpiredError)) throw error
 *   approved = 'no'
 * }
 */
export class QuestionExpiredError extends Error {
  constructor(
    readonly questionId: string,
    readonly expiresAt: string,
  ) {
    super(`question ${questionId} expired at ${expiresAt} without an answer`)
    this.name = 'QuestionExpiredError'
  }
}

/** The abort reason of a run parked by its worker (waiting too long, or memory): it resumes when it is ready again. */
export class RunParkedError extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} was parked; a worker resumes it when it is ready again`)
    this.name = 'RunParkedError'
  }
}

/**
 * A ParleyError that passes once time has passed (a rate or a per-user cap): the client may
 * retry after `retryAfterSeconds`, which the HTTP layer sends as `Retry-After` (RFC 9110 §10.2.3).
 */
export class RetryLaterError extends ParleyError {
  constructor(
    code: ProblemCode,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message)
    this.name = 'RetryLaterError'
  }
}
