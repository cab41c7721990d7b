import type { Answer, ApiSession, Question } from './api.ts'
import { describeFailure, isProblem } from './api.ts'
import type { SendOutcome } from './question-widgets.ts'

/**
 * Sends an answer (`replyToQuestion`) and says what came of it in words a person reads: on a run
 * page and in the inbox alike. A refusal that leaves the question waiting (a network failure, a
 * 422) lets the widget try again; a 409 or 404 does not.
 */
export async function sendAnswer(session: ApiSession, runId: string, question: Question, answer: Answer): Promise<SendOutcome> {
  try {
    const { data, error, response } = await session.client.reply(runId, question.id, answer)
    if (data) return { ok: true }
    // The server's detail names the id and the instant; the reader only needs to know it was too late.
    if (isProblem(error) && error.code === 'question_expired')
      return { ok: false, error: 'Too late: the question expired before this answer arrived', stillPending: false }
    if (isProblem(error) && error.code === 'question_not_pending')
      return { ok: false, error: 'Not sent: the question was already answered elsewhere, or closed', stillPending: false }
    // 409 or 404 otherwise: closed meanwhile (its run ended, say).
    return { ok: false, error: describeFailure(error, response), stillPending: response.status !== 409 && response.status !== 404 }
  } catch (error) {
    return { ok: false, error: describeFailure(error), stillPending: true }
  }
}
