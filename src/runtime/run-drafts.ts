import { inspect } from 'node:util'
import { redactSecrets } from '../llm/redact.ts'
import type { MessageDraft } from '../schemas/messages.ts'
import type { RunRecord } from '../store/store.ts'

/** The messages the runtime itself writes when a run starts or ends (its status changes in run-status.ts). */

export function runtimeDraft<T extends MessageDraft['type']>(
  type: T,
  content: Extract<MessageDraft, { type: T }>['content'],
): MessageDraft {
  return { type, content, sender: null, recipient: null, auto_reply: false } as MessageDraft
}

export function completedDrafts(result: string): MessageDraft[] {
  return [runtimeDraft('workflow_completed', { result })]
}

export function cancelledDrafts(): MessageDraft[] {
  return [
    runtimeDraft('system_message', { message: { event: 'run_cancelled', reason: 'cancelled by the client' } }),
    runtimeDraft('workflow_completed', { result: null }),
  ]
}

/** A failed run's `error` message; key-like values in what it says are masked (clients read it). */
export function failureDrafts(short: string, long: string | null): MessageDraft[] {
  return [runtimeDraft('error', failureError(short, long)), runtimeDraft('workflow_completed', { result: null })]
}

/** A failed run's `error`; key-like values in what it says are masked (clients read it). */
export function failureError(short: string, long: string | null): NonNullable<RunRecord['error']> {
  return { short: redactSecrets(short), long: long === null ? null : redactSecrets(long) }
}

/** A thrown value as the server's log shows it (the stack included), key-like values masked. */
export function loggedError(error: unknown): string {
  return redactSecrets(inspect(error, { depth: 4, breakLength: Number.POSITIVE_INFINITY }))
}

/** The `cause` chain of an error, one line each (`caused by …`), or null when it has none. */
export function describeCauses(error: unknown): string | null {
  const lines: string[] = []
  let cause = error instanceof Error ? error.cause : undefined
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    lines.push(`caused by ${cause instanceof Error ? `${cause.name}: ${cause.message}` : describeThrown(cause)}`)
    cause = cause instanceof Error ? cause.cause : undefined
  }
  return lines.length > 0 ? lines.join('\n') : null
}

/** A readable line for a thrown non-Error: `throw { reason }` shows its reason, not "[object Object]". */
export function describeThrown(value: unknown): string {
  try {
    const json = typeof value === 'object' && value !== null ? JSON.stringify(value) : undefined
    return json !== undefined && json !== '{}' ? json : String(value)
  } catch {
    // A cycle, a BigInt inside, or an object with no prototype: still never fail the failure path.
    return Object.prototype.toString.call(value)
  }
}
