import type { Answer, Message, Question } from './api.ts'

/** The log's record that a question's deadline passed: what the server put in the `system_message`. */
export interface QuestionExpiry {
  question_id: string
  on_timeout: 'default' | 'error'
  /** What the run was given instead of a reply; null when it was told nobody answered (`on_timeout: error`). */
  answer: Answer | null
}

/**
 * The expiry a message records, or undefined for any other message. System messages are
 * free-form on the wire, so the shape is checked here rather than trusted.
 *
 * @example
 * const expiry = questionExpiryOf(message)
 * if (expiry) widgets.get(expiry.question_id)?.expire(expiry)
 */
export function questionExpiryOf(message: Message): QuestionExpiry | undefined {
  if (message.type !== 'system_message') return undefined
  const { event, question_id, on_timeout, answer } = message.content.message
  if (event !== 'question_expired' || typeof question_id !== 'string') return undefined
  if (on_timeout !== 'default' && on_timeout !== 'error') return undefined
  if (answer !== null && typeof answer !== 'string' && !isStringList(answer)) return undefined
  return { question_id, on_timeout, answer }
}

/**
 * The answer a question would take at its deadline with `on_timeout: default`, for the countdown
 * to announce; the expiry message then says what was actually taken.
 */
export function expectedDefault(question: Question): Answer {
  const preferred = question.content.default
  if (question.type === 'multiple_choice' && !question.content.single) return preferred === null ? [] : [preferred]
  return preferred ?? ''
}

/** “the default “reject””, “an empty answer”, “no choice”: a taken default, for a sentence. */
export function describeDefault(answer: Answer, hidden = false): string {
  if (typeof answer === 'string') {
    if (answer === '') return 'an empty answer'
    return hidden ? 'the hidden default' : `the default “${answer}”`
  }
  if (answer.length === 0) return 'no choice'
  return `the default ${answer.map((choice) => `“${choice}”`).join(', ')}`
}

/** Whether what a question takes must not be shown (a password question). */
export function isMasked(question: Question | undefined): boolean {
  return question?.type === 'text_input' && question.content.password
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}
