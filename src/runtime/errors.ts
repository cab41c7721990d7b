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
