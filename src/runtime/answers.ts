import type { Answer, Question } from '../schemas/messages.ts'

/**
 * What the log's `reply` shows for a password question's answer: always these eight bullets,
 * so that not even its length is told. The workflow gets the answer as typed.
 */
export const MASKED_ANSWER = '••••••••'

/**
 * The answer as the `reply` message records it (every client reads the log): masked for a
 * `password: true` question. The answer itself is kept only with the question, where the runtime
 * reads it to hand it to the workflow, now or when the run resumes after a restart.
 */
export function shownAnswer(question: Question, answer: Answer): Answer {
  return question.type === 'text_input' && question.content.password ? MASKED_ANSWER : answer
}

/** Why `answer` does not fit `question`, or null when it does. The server validates every reply. */
export function answerProblem(question: Question, answer: Answer): string | null {
  switch (question.type) {
    case 'text_input':
      return typeof answer === 'string' ? null : 'this question takes a string'
    case 'multiple_choice': {
      const { choices, single } = question.content
      if (single) {
        if (typeof answer !== 'string') return 'this question takes one choice, as a string'
        return choices.includes(answer) ? null : `"${answer}" is not one of: ${choices.join(', ')}`
      }
      if (!Array.isArray(answer)) return 'this question takes a list of choices (string[])'
      const unknown = answer.filter((choice) => !choices.includes(choice))
      if (unknown.length > 0) return `not among the choices: ${unknown.join(', ')}`
      if (new Set(answer).size !== answer.length) return 'a choice is listed twice'
      return null
    }
    default: {
      const unreachable: never = question
      return unreachable
    }
  }
}
