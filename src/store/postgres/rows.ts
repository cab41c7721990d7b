import { parse } from '../run-row.ts'
import type { QuestionRecord } from '../store.ts'

/** How the PostgreSQL store holds a question: its message as text, the reply joined by `reply_id`. */

export interface QuestionRow {
  status: QuestionRecord['status']
  question: string
  answer: string | null
  /** The reply message's text, joined from `messages` by the question's `reply_id`. */
  reply: string | null
}

export function toQuestion(row: QuestionRow): QuestionRecord {
  return { status: row.status, question: JSON.parse(row.question), answer: parse(row.answer), reply: parse(row.reply) }
}
