import type { Answer, Message, MessageDraft, Question } from '../schemas/messages.ts'
import type { Run, RunStatus, Usage } from '../schemas/runs.ts'
import type { DeliveryAttempt, DeliveryStatus, WebhookEventType } from '../schemas/webhooks.ts'
import type { LiveText, LiveTextEvent } from './live-text.ts'
import type { RunListener } from './run-events.ts'

/**
 * A run as stored: the wire `Run` (derived from `RunSchema`, so a field added to the contract is a
 * field of the record) plus what only the server sees, never sent to a client.
 */
export type RunRecord = Run & {
  /** Who started the run: only they (and no other user or key) can read or drive it. */
  user_id: string
  idempotency_key: string | null
  /** Fingerprint of the create request, to tell a retry from a key reused for another request. */
  request_hash: string | null
}

/** The wire view of a run: what the server keeps for itself stays out. */
export function publicRun(record: RunRecord): Run {
  const { user_id: _user, idempotency_key: _key, request_hash: _hash, ...run } = record
  return run
}

export interface NewRun {
  user_id: string
  workflow: string
  params: Record<string, unknown>
  idempotency_key: string | null
  request_hash: string | null
  /** Refuse (`limit_reached`) when the user already has this many unfinished runs. */
  max_active_runs: number
  /** Claim the new run for this worker as it is created (a server that executes what it starts). */
  lease?: LeaseRequest | undefined
}

/**
 * The right to execute a run. A worker claims a run (its `token` goes up by one on every claim)
 * and keeps renewing the lease; a worker that lost it — its lease lapsed and another worker
 * claimed the run — is refused every write it makes with the old token (LeaseLostError): the
 * token is a fencing token.
 */
export interface Lease {
  runId: string
  token: number
}

export interface LeaseRequest {
  owner: string
  /** How long the lease lasts unless renewed. */
  ms: number
}

export interface ClaimedRun {
  run: RunRecord
  lease: Lease
}

/** What a worker's writes carry: its lease on the run, checked in the write's transaction. */
export interface Fenced {
  lease?: Lease | undefined
}

/** Fields of a run that change as it goes; the store sets `updated_at` itself. */
export type RunChange = Partial<Pick<RunRecord, 'status' | 'result' | 'error' | 'usage' | 'finished_at'>>

export interface RunQuery {
  user_id: string
  status?: RunStatus | undefined
  workflow?: string | undefined
  limit: number
  cursor?: RunCursor | undefined
}

/** Position in the (created_at desc, id desc) order of `listRuns`. */
export interface RunCursor {
  created_at: string
  id: string
}

export type QuestionStatus = 'pending' | 'answered' | 'expired' | 'cancelled'

/**
 * Questions one user may answer, across runs (the inbox): of their own runs, and those that name
 * them among `assignees`; newest first (the question's `created_at`, then its id), after `cursor`.
 */
export interface QuestionQuery {
  user_id: string
  status: QuestionStatus
  workflow?: string | undefined
  run_id?: string | undefined
  limit: number
  cursor?: RunCursor | undefined
}

/** A question of the inbox, with its state and its run. */
export interface QuestionListing {
  question: Question
  status: QuestionStatus
  run: RunRecord
}

/** Whether `userId` may answer the question of `run`: it is their run, or they are among its `assignees`. */
export function mayAnswer(userId: string, run: Pick<RunRecord, 'user_id'>, question: Question): boolean {
  return run.user_id === userId || (question.content.assignees ?? []).includes(userId)
}

/** Who a question is for: the run's owner and its assignees. */
export function audienceOf(run: Pick<RunRecord, 'user_id'>, question: Question): string[] {
  return [run.user_id, ...(question.content.assignees ?? [])]
}

export interface QuestionRecord {
  question: Question
  status: QuestionStatus
  answer: Answer | null
  reply: Message | null
}

export type AnswerOutcome =
  | { kind: 'answered'; reply: Message }
  | { kind: 'duplicate'; reply: Message }
  | { kind: 'not_pending'; status: QuestionStatus }
  | { kind: 'not_found' }

export type ExpireOutcome =
  | { kind: 'expired'; message: Message }
  /** A reply landed first: the question was answered after all. */
  | { kind: 'answered'; answer: Answer }
  | { kind: 'not_pending'; status: QuestionStatus }

/** A registered webhook, as stored: its secret included (shown to its user only when created). */
export interface WebhookRecord {
  id: string
  user_id: string
  url: string
  events: WebhookEventType[]
  /** `whsec_…`: the Standard Webhooks signing secret. */
  secret: string
  description: string | null
  created_at: string
}

/** One event on its way to one webhook (the outbox row, written in the transaction of the change it reports). */
export interface DeliveryRecord {
  /** Its place in the outbox: deliveries of one run to one webhook go out in this order. */
  position: number
  id: string
  webhook_id: string
  event_id: string
  type: WebhookEventType
  run_id: string
  /** The JSON body, exactly as every attempt sends it. */
  body: string
  status: DeliveryStatus
  attempts: DeliveryAttempt[]
  /** Epoch ms of the next attempt; null once delivered or failed. */
  next_attempt_at: number | null
  created_at: string
}

/** A delivery claimed by a dispatcher, with where to send it and its claim's fencing token. */
export interface DeliveryJob extends DeliveryRecord {
  url: string
  secret: string
  token: number
}

export interface DeliveryQuery {
  webhook_id: string
  status?: DeliveryStatus | undefined
  limit: number
  /** Only deliveries before this position (the cursor of the newest-first list). */
  before?: number | undefined
}

/** What happens to a delivery after an attempt. */
export type DeliveryNext = { status: 'delivered' } | { status: 'failed' } | { status: 'pending'; at: number }

/**
 * Webhooks and their outbox. Every backend writes an event's deliveries in the transaction of
 * the change it reports (a question asked or closed, a run finished), so none is lost to a crash,
 * and hands each due delivery to one dispatcher at a time, in order per run and webhook: a
 * delivery waits while an earlier one of the same run to the same webhook is pending.
 */
export interface WebhookStore {
  /** Registers the webhook unless its user already has `max`; false then. */
  create(webhook: WebhookRecord, max: number): Promise<boolean>
  /** The user's webhooks, oldest first. */
  list(userId: string): Promise<WebhookRecord[]>
  /** The webhook if it is `userId`'s (another's is null, as a missing one). */
  get(webhookId: string, userId: string): Promise<WebhookRecord | null>
  /** Deletes the webhook and its deliveries; false when it is not `userId`'s. */
  delete(webhookId: string, userId: string): Promise<boolean>
  /** The webhook's deliveries, newest first. */
  deliveries(query: DeliveryQuery): Promise<DeliveryRecord[]>
  /**
   * Claims up to `limit` due deliveries for `owner` for `leaseMs`: pending, their next attempt
   * come, no live claim on them, and none earlier of their run to their webhook still pending.
   */
  claim(owner: string, options: { limit: number; leaseMs: number }): Promise<DeliveryJob[]>
  /** Records an attempt and what follows it, unless the claim was lost (another dispatcher took it): false then. */
  settle(job: DeliveryJob, attempt: DeliveryAttempt, next: DeliveryNext): Promise<boolean>
  /** Called when deliveries were queued, in any process (dispatchers wake on it). */
  onQueued(listener: () => void): () => void
}

/** What a workflow does to the world, one journal entry each (see src/runtime/journal.ts). */
export type EffectKind = 'message' | 'question' | 'llm' | 'tool' | 'step' | 'sleep' | 'now' | 'random'

/** How an effect ended: its JSON result (`value` absent for `undefined`), or what it threw. */
export type EffectOutcome = { value?: unknown } | { error: { name: string; message: string } }

/**
 * One effect of a run, as the journal keeps it: its place in the workflow's sequence of effects,
 * what it was (kind, name and a fingerprint of its arguments, to notice a workflow that changed),
 * and how it ended. Message and question effects have no outcome: their message is it.
 */
export interface EffectRecord {
  position: number
  kind: EffectKind
  name: string
  fingerprint: string
  /** A short human-readable description, for the error that reports a divergence. */
  summary: string
  outcome: EffectOutcome | null
}

export interface JournalEntry extends EffectRecord {
  /** The message the effect emitted (message and question effects), as stored in the log. */
  message: Message | null
  created_at: string
}

/** Thrown when a journal position is already taken: another execution of the run got there first. */
export class JournalConflictError extends Error {
  constructor(
    readonly runId: string,
    readonly position: number,
  ) {
    super(`run ${runId} already has a journal entry at position ${position}`)
    this.name = 'JournalConflictError'
  }
}

export interface AppendOptions extends Fenced {
  change?: RunChange | undefined
  /** The journal entry of the effect that emits this message, written in the same transaction. */
  effect?: EffectRecord | undefined
  /** The message's `id`, when chosen before (a streamed reply's, announced as its deltas' `message_ref`); a new UUID otherwise. */
  id?: string | undefined
}

export interface EffectWrite extends Fenced {
  /** The journal entry; null for a run that keeps no journal (then only `usage` is written). */
  effect: EffectRecord | null
  /** An LLM call's tokens, added to the run's usage in the same transaction. */
  usage?: Usage | undefined
}

export interface FinishRun extends Fenced {
  /** Appended in order, after the pending question (if any) became `questionStatus`. */
  drafts: MessageDraft[]
  change: RunChange
  questionStatus: QuestionStatus
}

/** Thrown at a write whose lease is no longer the run's: another worker executes it now. */
export class LeaseLostError extends Error {
  constructor(readonly runId: string) {
    super(`the lease on run ${runId} was lost; another worker executes it`)
    this.name = 'LeaseLostError'
  }
}

/** Thrown when the backend cannot be reached (the database is down); the HTTP layer answers 503. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StoreUnavailableError'
  }
}

export type CreateRunOutcome =
  | { kind: 'created'; run: RunRecord; lease: Lease | null }
  | { kind: 'existing'; run: RunRecord }
  | { kind: 'limit_reached'; active: number }

/** Thrown when something tries to write to a run that has already finished. */
export class RunFinishedError extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} has finished`)
    this.name = 'RunFinishedError'
  }
}

/**
 * Where runs and their message logs live. Every backend keeps these promises:
 *
 * - `append` gives each run's messages seq 1, 2, 3 … with no gap, atomically with the
 *   run change it carries, and refuses (RunFinishedError) once the run has finished;
 * - a question message makes the run `awaiting_input` and its question `pending`;
 * - `subscribe` calls the listener after every change to that run, from any process that
 *   shares the backend — the long-poll and the runtime's waits rest on it;
 * - the journal keeps each effect of an unfinished run once (a taken position is a
 *   JournalConflictError), written atomically with the message the effect emits, and is dropped
 *   when the run finishes;
 * - a run is executed by the worker holding its lease: `claimRuns` hands each ready run to one
 *   worker only, and a write carrying a lease that is no longer the run's is refused
 *   (LeaseLostError). A run is ready when it is unfinished, no live lease holds it, and it is not
 *   parked waiting for a reply (a reply, a question's deadline or a sleep's end makes it ready).
 */
export interface Store {
  readonly kind: string
  createRun(input: NewRun): Promise<CreateRunOutcome>
  /**
   * The run. With `userId`, only if it is that user's: another's is null, exactly as a missing one,
   * decided in the same lookup (`WHERE id = ? AND user_id = ?`), so it costs the same time too.
   */
  getRun(runId: string, userId?: string): Promise<RunRecord | null>
  listRuns(query: RunQuery): Promise<RunRecord[]>
  countActiveRuns(userId: string): Promise<number>
  append(runId: string, draft: MessageDraft, options?: AppendOptions): Promise<Message>
  /**
   * The messages after `afterSeq` in seq order: at most `limit`, and no more than `maxBytes` of their
   * JSON text (UTF-8) together — but always the first one, however large, so a log can always be read.
   */
  listMessages(runId: string, afterSeq: number, limit: number, maxBytes?: number): Promise<Message[]>
  /**
   * The run and its messages after `afterSeq` (bounded as `listMessages`), read together: the first
   * read of a poll. Null: no run — or, with `userId`, not that user's (filtered as `getRun`).
   */
  readPage(
    runId: string,
    afterSeq: number,
    limit: number,
    maxBytes?: number,
    userId?: string,
  ): Promise<{ run: RunRecord; messages: Message[] } | null>
  /** Journals an effect that emits no message, with the usage it adds to the run's. */
  recordEffect(runId: string, write: EffectWrite): Promise<void>
  /** The run's journal in position order, each entry with the message it emitted. */
  readJournal(runId: string): Promise<JournalEntry[]>
  /**
   * The question of the run. With `userId`, only if that user may answer it — the run is theirs, or
   * the question names them among its `assignees` — decided in the same lookup; null otherwise, as a missing one.
   */
  getQuestion(runId: string, questionId: string, userId?: string): Promise<QuestionRecord | null>
  /** The inbox: questions `query.user_id` may answer, across runs (see QuestionQuery). */
  listQuestions(query: QuestionQuery): Promise<QuestionListing[]>
  /**
   * Records a reply, unless the question is no longer pending — or its `expires_at` has passed,
   * which counts as expired even before `expireQuestion` has run. A run no worker holds is ready again.
   * `replyTo` (the question's sender, the reply's recipient) spares a read when the caller has the question.
   * `shown` is what the `reply` message records (a password masked; by default the answer): the
   * question's record keeps `answer` itself, which the runtime hands to the workflow and a repeated
   * reply is compared with. `answeredBy`, the user who answered, is recorded in the reply as `answered_by`.
   */
  answerQuestion(
    runId: string,
    questionId: string,
    answer: Answer,
    replyFrom: string | null,
    replyTo?: string | null,
    shown?: Answer,
    answeredBy?: string,
  ): Promise<AnswerOutcome>
  /** Expires a pending question: `draft` is appended, the run is `running` again, all at once. */
  expireQuestion(runId: string, questionId: string, draft: MessageDraft, fence?: Fenced): Promise<ExpireOutcome>
  /**
   * Finish an active run: its pending question takes the given status, the drafts are appended
   * in order and the change applied, all at once; its lease ends. Null when it had already finished.
   */
  finishRun(runId: string, finish: FinishRun): Promise<RunRecord | null>
  /** Claims up to `limit` ready runs for `owner`, oldest first, each with a fresh lease of `leaseMs`. */
  claimRuns(owner: string, options: { limit: number; leaseMs: number }): Promise<ClaimedRun[]>
  /** Extends `owner`'s leases by `leaseMs`; returns the ids of the runs whose lease it no longer holds. */
  renewLeases(owner: string, leases: Lease[], leaseMs: number): Promise<string[]>
  /**
   * Gives a run up. Parked (`park: true`), it is ready again when it needs a worker: waiting for a
   * reply, when the reply comes or its question's deadline does (never by itself, without one);
   * otherwise at `wakeAt` (a sleep's end) or at once. Not parked, it is ready at once.
   */
  releaseLease(lease: Lease, release: { park: boolean; wakeAt: number | null }): Promise<void>
  /** Called after every change to the run, with a hint of its state when the backend has one at hand. */
  subscribe(runId: string, listener: RunListener): () => void
  /**
   * Token streaming: the deltas of replies being generated, as this process knows them (every
   * process following a run hears them, whichever process generates). Live only, never stored.
   */
  readonly liveText: LiveText
  /** Publishes a delta, or a reply's end, to the `liveText` of every process sharing the store. */
  publishText(event: LiveTextEvent): void
  /** Webhooks and the outbox of their deliveries. */
  readonly webhooks: WebhookStore
  /**
   * Called with who a question is for (its run's owner and assignees) each time one is asked, in any
   * process; with null when questions may have been asked unheard (notifications were lost for a
   * while): then every listener looks again.
   */
  onQuestionAsked(listener: (audience: string[] | null) => void): () => void
  /** Called when a run may have become ready (created unclaimed, answered, released), in any process. */
  onRunnable(listener: () => void): () => void
  /** Called with the id of each run that finishes (completed, failed, cancelled), in any process. */
  onFinished(listener: (runId: string) => void): () => void
  /**
   * Retention: deletes up to `limit` finished runs that finished before `cutoff` (an ISO timestamp),
   * oldest first, each with its messages, questions, journal and webhook deliveries; returns how many it deleted.
   */
  deleteFinishedBefore(cutoff: string, limit: number): Promise<number>
  /** Ids of up to `limit` unfinished runs created before `cutoff` (ISO), oldest first: runs past their maximum age. */
  unfinishedBefore(cutoff: string, limit: number): Promise<string[]>
  close(): Promise<void>
}
