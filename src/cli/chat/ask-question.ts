import type { ParleyClient, Question } from '../../../clients/typescript/index.ts'
import { answerPrompt, choiceLines, parseAnswer } from './answers.ts'
import type { ConsoleInput } from './console-input.ts'
import { failureLine, problemLine } from './problems.ts'

/** How asking a question ended: answered (or no longer pending), or the input ended with it still open. */
export type AskOutcome = 'done' | 'input_ended'

export interface AskContext {
  client: ParleyClient
  runId: string
  url: string
  input: ConsoleInput
  write: (text: string) => void
  /** Gives the question up: answered elsewhere, expired, or the run is being cancelled. */
  signal: AbortSignal
}

/**
 * Asks `question` at the console until the server takes an answer: shows its choices, reads a line
 * (masked for a password), and replies. A line that is no answer, or a 422 (the answer does not fit
 * the question), asks again; a 409 (no longer pending: expired, answered elsewhere, the run
 * cancelled) is printed and ends the asking, as does `signal`.
 */
export async function askQuestion(question: Question, context: AskContext): Promise<AskOutcome> {
  const { client, runId, url, input, write, signal } = context
  for (const line of choiceLines(question)) write(`${line}\n`)
  const masked = question.type === 'text_input' && question.content.password
  for (;;) {
    let line: string | null
    try {
      line = await input.readLine(answerPrompt(question), { masked, signal })
    } catch (error) {
      if (signal.aborted) return 'done'
      throw error
    }
    if (line === null) return 'input_ended'
    const parsed = parseAnswer(question, line)
    if ('invalid' in parsed) {
      write(`  ${parsed.invalid}\n`)
      continue
    }
    try {
      const { error } = await client.reply(runId, question.id, parsed.answer)
      if (!error) return 'done'
      write(`  ${problemLine(error)}\n`)
      if (error.status !== 422) return 'done'
    } catch (error) {
      write(`  ${failureLine(error, url)}; try again\n`)
    }
  }
}
