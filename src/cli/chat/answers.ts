import type { Answer, Question } from '../../../clients/typescript/index.ts'

type MultipleChoice = Extract<Question, { type: 'multiple_choice' }>

/** What a typed line means for a question: the answer to send, or why it cannot be one (ask again). */
export type ParsedAnswer = { answer: Answer } | { invalid: string }

/**
 * What the console shows under a question before reading the answer: the numbered choices of a
 * multiple choice; nothing for a text input (its message line shows the suggestions).
 */
export function choiceLines(question: Question): string[] {
  if (question.type === 'text_input') return []
  return question.content.choices.map((choice, index) => `  ${index + 1}) ${choice}`)
}

/** The prompt the answer is typed after, saying what an empty line gives. */
export function answerPrompt(question: Question): string {
  if (question.type === 'text_input') {
    const { password, default: fallback } = question.content
    if (password) return 'Password: '
    return fallback === null ? '> ' : `> [Enter: ${fallback}] `
  }
  const { choices, single, default: fallback } = question.content
  const range = choices.length === 1 ? '1' : `1-${choices.length}`
  if (single) return fallback === null ? `Choose ${range}: ` : `Choose ${range} [Enter: ${fallback}]: `
  return `Choose any of ${range}, separated by commas or spaces [Enter: ${fallback ?? 'none'}]: `
}

/**
 * The answer a typed line gives. A text input takes the line as typed (an empty line: the default,
 * when the question has one). A single choice takes a number or a choice's text (any case), an
 * empty line the default. A multi-select takes numbers separated by commas or spaces, or choices'
 * texts separated by commas; an empty line the default alone, or no choice.
 *
 * @example
 * parseAnswer(mood, '2') // { answer: 'bad' }
 * parseAnswer(toppings, '1, 3') // { answer: ['cheese', 'basil'] }
 */
export function parseAnswer(question: Question, line: string): ParsedAnswer {
  if (question.type === 'text_input') {
    const fallback = question.content.default
    return { answer: line === '' && fallback !== null ? fallback : line }
  }
  const typed = line.trim()
  return question.content.single ? parseSingle(question, typed) : parseMany(question, typed)
}

function parseSingle(question: MultipleChoice, typed: string): ParsedAnswer {
  const { choices, default: fallback } = question.content
  if (typed === '') return fallback === null ? { invalid: 'choose one: type its number' } : { answer: fallback }
  const choice = choiceNamed(choices, typed)
  return choice === undefined
    ? { invalid: `"${typed}" is not one of the choices: type a number from 1 to ${choices.length}` }
    : { answer: choice }
}

function parseMany(question: MultipleChoice, typed: string): ParsedAnswer {
  const { choices, default: fallback } = question.content
  if (typed === '') return { answer: fallback === null ? [] : [fallback] }
  const numbers = typed.split(/[\s,]+/).filter((token) => token !== '')
  const byNumber = numbers.every((token) => /^\d+$/.test(token))
  const tokens = byNumber ? numbers : typed.split(',').map((token) => token.trim())
  const picked: string[] = []
  for (const token of tokens) {
    const choice = choiceNamed(choices, token)
    if (choice === undefined) return { invalid: `"${token}" is not one of the choices: type numbers from 1 to ${choices.length}` }
    if (!picked.includes(choice)) picked.push(choice)
  }
  return { answer: picked }
}

/** The choice a token names: by its number (from 1), else by its text, exactly or in another case. */
function choiceNamed(choices: string[], token: string): string | undefined {
  const numbered = /^\d+$/.test(token) ? choices[Number(token) - 1] : undefined
  if (numbered !== undefined) return numbered
  return choices.find((choice) => choice === token) ?? choices.find((choice) => choice.toLowerCase() === token.toLowerCase())
}
