import { defineWorkflow } from 'parley-server'
import { z } from 'zod'

/**
 * The workflows the bench serves (`parley serve bench/workflows.ts`): no LLM, no sleeps, so
 * what is measured is the server — the log, the long-poll and the question/reply path.
 */

/** question → reply → text message, again and again, until the reply is `stop`. */
export const ping_pong = defineWorkflow({
  name: 'ping_pong',
  description: 'Asks, echoes the reply as a text message, and asks again until the reply is "stop"',
  params: z.object({ max_rounds: z.int().min(1).max(10_000_000).default(1_000_000) }),
  async run(ui, params, ctx) {
    let rounds = 0
    while (rounds < params.max_rounds && !ctx.signal.aborted) {
      const said = await ui.textInput({ prompt: 'ping?', sender: 'Bench', recipient: 'User' })
      if (said === 'stop') break
      rounds++
      await ui.textMessage({ body: `pong ${said}`, sender: 'Bench', recipient: 'User' })
    }
    return `${rounds} rounds`
  },
})

/** One human-in-the-loop round trip: start → question → reply → completed. */
export const one_question = defineWorkflow({
  name: 'one_question',
  description: 'Asks one question and completes with the answer',
  async run(ui) {
    const answer = await ui.textInput({ prompt: 'A question?', sender: 'Bench', recipient: 'User' })
    return `answered ${answer}`
  },
})
