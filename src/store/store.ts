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
 *   shares the backend — the long-poll and the runtime's waits rest on it.
 */
export interface Store {
  readonly kind: string
  createRun(input: NewRun): Promise<CreateRunOutcome>
  getRun(runId: string): Promise<RunRecord | null>
  listRuns(query: RunQuery): Promise<RunRecord[]>
  countActiveRuns(userId: string): Promise<number>
  /** Runs not finished, oldest first: what a restarted server must settle. */
  listUnfinishedRuns(): Promise<RunRecord[]>
  updateRun(runId: string, change: RunChange): Promise<RunRecord>
  append(runId: string, draft: MessageDraft, change?: RunChange): Promise<Message>
  listMessages(runId: string, afterSeq: number, limit: number): Promise<Message[]>
  getQuestion(runId: string, questionId: string): Promise<QuestionRecord | null>
  answerQuestion(runId: string, questionId: string, answer: Answer, replyFrom: string | null): Promise<AnswerOutcome>
  /**
   * Finish an active run: its pending question becomes `questionStatus`, `drafts` are appended
   * in order and `change` applied, all at once. Returns null when the run had already finished.
   */
  finishRun(runId: string, drafts: MessageDraft[], change: RunChange, questionStatus: QuestionStatus): Promise<RunRecord | null>
  subscribe(runId: string, listener: () => void): () => void
  close(): Promise<void>
}
