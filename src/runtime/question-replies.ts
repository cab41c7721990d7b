import type { Answer, Message } from '../schemas/messages.ts'
import type { QuestionRecord, Store } from '../store/store.ts'
import { answerProblem, shownAnswer } from './answers.ts'
import { ParleyError } from './errors.ts'
import { jsonBytes } from './run-limits.ts'

/**
 * Records a reply to a run's question, once: the answer is checked against the question (and the
 * size of a message), and a repeated identical reply returns the first (`created: false`). The caller
 * must have been found allowed to answer already (the run's owner, or an assignee); `answeredBy` is
 * who, and `known` the question when that check read it already. The store makes the run `running`
 * again with it.
 */
export async function replyToQuestion(
  store: Store,
  reply: { runId: string; questionId: string; answer: Answer; maxMessageBytes: number; answeredBy?: string },
  known?: QuestionRecord,
): Promise<{ reply: Message; created: boolean }> {
  const { runId, questionId, answer, maxMessageBytes, answeredBy } = reply
  const record = known ?? (await store.getQuestion(runId, questionId))
  if (!record) throw new ParleyError('question_not_found', `Run "${runId}" has no question "${questionId}"`)
  const problem = answerProblem(record.question, answer)
  if (problem) throw new ParleyError('answer_invalid', problem, [{ field: 'body.answer', message: problem }])
  const bytes = jsonBytes(answer)
  if (bytes > maxMessageBytes) {
    const message = `${bytes} bytes of JSON; an answer may have at most ${maxMessageBytes}`
    throw new ParleyError('answer_invalid', 'The answer is larger than a message may be', [{ field: 'body.answer', message }])
  }
  const { recipient, sender } = record.question
  const shown = shownAnswer(record.question, answer)
  const outcome = await store.answerQuestion(runId, questionId, answer, recipient ?? 'user', sender, shown, answeredBy)
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
