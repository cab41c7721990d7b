import type { Answer, Question } from '../schemas/messages.ts'

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
