import type { Question } from '../schemas/messages.ts'
import type { InboxItem } from '../schemas/questions.ts'
import type { WebhookEventType } from '../schemas/webhooks.ts'
import type { QuestionStatus, RunRecord } from './store.ts'
import { audienceOf, publicRun } from './store.ts'

/**
 * The events webhooks report, built where the change they report is written (the PostgreSQL
 * store builds the same JSON in its triggers, migrations.ts; the store contract suite compares).
 */

/** A question as `userId`'s inbox lists it. */
export function inboxItem(userId: string, run: RunRecord, question: Question, status: QuestionStatus): InboxItem {
  return {
    question,
    status,
    run: { id: run.id, workflow: run.workflow, status: run.status, created_at: run.created_at },
    expires_at: question.content.expires_at,
    mine: run.user_id === userId,
  }
}

/** An event to queue for the webhooks of `users` that subscribe to its `type`. */
export interface OutboxEvent {
  type: WebhookEventType
  run_id: string
  timestamp: string
  /** Who may receive it. */
  users: string[]
  /** Its `data`, as `userId` receives it. */
  data(userId: string): unknown
}

/** `question.created` (pending) or `question.closed` (any other status), for the run's owner and the question's assignees. */
export function questionEvent(run: RunRecord, question: Question, status: QuestionStatus, now: string): OutboxEvent {
  return {
    type: status === 'pending' ? 'question.created' : 'question.closed',
    run_id: run.id,
    timestamp: now,
    users: audienceOf(run, question),
    data: (userId) => inboxItem(userId, run, question, status),
  }
}

/** `run.finished`, for the run's owner only (assignees see no more of a run than its questions). */
export function runFinishedEvent(run: RunRecord, now: string): OutboxEvent {
  return { type: 'run.finished', run_id: run.id, timestamp: now, users: [run.user_id], data: () => publicRun(run) }
}

/** The body every attempt of a delivery sends. */
export function eventBody(event: OutboxEvent, eventId: string, userId: string): string {
  return JSON.stringify({ id: eventId, type: event.type, timestamp: event.timestamp, data: event.data(userId) })
}
