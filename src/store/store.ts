import type { Answer, ErrorContent, Message, MessageDraft, Question } from '../schemas/messages.ts'
import type { RunStatus, Usage } from '../schemas/runs.ts'

/** A run as stored: the wire `Run` plus what only the server sees. */
export interface RunRecord {
  id: string
  user_id: string
  workflow: string
  status: RunStatus
  params: Record<string, unknown>
  result: string | null
  error: ErrorContent | null
  pending_question: Question | null
  last_seq: number
  usage: Usage
  created_at: string
  updated_at: string
  finished_at: string | null
  idempotency_key: string | null
  /** Fingerprint of the create request, to tell a retry from a key reused for another request. */
  request_hash: string | null
}

export interface NewRun {
  user_id: string
  workflow: string
  params: Record<string, unknown>
  idempotency_key: string | null
  request_hash: string | null
  /** Refuse (`limit_reached`) when the user already has this many unfinished runs. */
  max_active_runs: number
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

export interface AppendOptions {
  change?: RunChange | undefined
  /** The journal entry of the effect that emits this message, written in the same transaction. */
  effect?: EffectRecord | undefined
}

export type CreateRunOutcome =
  | { kind: 'created'; run: RunRecord }
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
 *   when the run finishes.
 */
export interface Store {
  readonly kind: string
  createRun(input: NewRun): Promise<CreateRunOutcome>
  getRun(runId: string): Promise<RunRecord | null>
  listRuns(query: RunQuery): Promise<RunRecord[]>
  countActiveRuns(userId: string): Promise<number>
  /** Runs not finished, oldest first: what a restarted server resumes. */
  listUnfinishedRuns(): Promise<RunRecord[]>
  append(runId: string, draft: MessageDraft, options?: AppendOptions): Promise<Message>
  listMessages(runId: string, afterSeq: number, limit: number): Promise<Message[]>
  /**
   * Journals an effect that emits no message (null: a run that keeps no journal); `usage` (an LLM
   * call's tokens) is added to the run's in the same transaction.
   */
  recordEffect(runId: string, effect: EffectRecord | null, usage?: Usage): Promise<void>
  /** The run's journal in position order, each entry with the message it emitted. */
  readJournal(runId: string): Promise<JournalEntry[]>
  getQuestion(runId: string, questionId: string): Promise<QuestionRecord | null>
  /**
   * Records a reply, unless the question is no longer pending — or its `expires_at` has passed,
   * which counts as expired even before `expireQuestion` has run.
   */
  answerQuestion(runId: string, questionId: string, answer: Answer, replyFrom: string | null): Promise<AnswerOutcome>
  /** Expires a pending question: `draft` is appended, the run is `running` again, all at once. */
  expireQuestion(runId: string, questionId: string, draft: MessageDraft): Promise<ExpireOutcome>
  /**
   * Finish an active run: its pending question becomes `questionStatus`, `drafts` are appended
   * in order and `change` applied, all at once. Returns null when the run had already finished.
   */
  finishRun(runId: string, drafts: MessageDraft[], change: RunChange, questionStatus: QuestionStatus): Promise<RunRecord | null>
  subscribe(runId: string, listener: () => void): () => void
  close(): Promise<void>
}
