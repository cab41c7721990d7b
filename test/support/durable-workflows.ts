import { z } from 'zod'
import { Agent } from '../../src/agents/agent.ts'
import { defineTool } from '../../src/agents/tool.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { QuestionExpiredError } from '../../src/runtime/errors.ts'

/**
 * Workflows for the durable-runs tests, served in-process and by real `parley serve` processes
 * (`parley serve test/support/durable-workflows.ts`). Effects on the outside world go to a
 * "witness" HTTP server the test runs (see witness.ts), which counts them and can hold one open
 * while the test kills the server.
 */

export { quiz_loop } from '../../src/examples/questions.ts'
export { ticker } from '../../src/examples/ticker.ts'

/** Tells the witness an effect happened; resolves when the witness answers (it may hold on). */
async function witness(url: string, effect: string, runId: string, signal: AbortSignal): Promise<number> {
  const response = await fetch(`${url}/effect?name=${encodeURIComponent(effect)}&run=${runId}`, { signal })
  const { count } = (await response.json()) as { count: number }
  return count
}

/** Many messages in a tight loop: a kill lands while it is emitting. */
export const emitter = defineWorkflow({
  name: 'emitter',
  description: 'Emits `count` numbered text messages as fast as it can',
  params: z.object({ count: z.int().min(1).max(100_000).default(1000) }),
  async run(ui, params) {
    for (let n = 1; n <= params.count; n++) await ui.textMessage({ body: `message ${n}`, sender: 'Emitter', recipient: 'User' })
    return `${params.count} messages`
  },
})

/** `ctx.step` around an outside effect, and the recorded clock and dice, between two questions. */
export const stepper = defineWorkflow({
  name: 'stepper',
  description: 'Does an outside effect in ctx.step, reads ctx.now and ctx.random, and asks twice',
  params: z.object({ witness: z.string() }),
  async run(ui, params, ctx) {
    const first = await ctx.step('charge', (signal) => witness(params.witness, 'charge', ctx.runId, signal))
    const now = await ctx.now()
    const dice = await ctx.random()
    await ui.textMessage({ body: `charged (#${first}) at ${now}, dice ${dice}` })
    const name = await ui.textInput({ prompt: 'Name?' })
    const second = await ctx.step('email', (signal) => witness(params.witness, 'email', ctx.runId, signal))
    await ui.textMessage({ body: `emailed ${name} (#${second})` })
    const again = await ui.multipleChoice({ prompt: 'Again?', choices: ['yes', 'no'] })
    return `${name} ${again} ${now} ${dice}`
  },
})

/** A two-agent chat on the configured model (the tests' fake OpenAI server) with a tool that tells the witness. */
export const agent_chat = defineWorkflow({
  name: 'agent_chat',
  description: 'A student and a teacher; the teacher has a tool; a reflection summary',
  params: z.object({ witness: z.string(), max_turns: z.int().min(1).max(10).default(3) }),
  async run(ui, params, ctx) {
    const lookUp = defineTool({
      name: 'look_up',
      description: 'Looks a topic up',
      params: z.object({ topic: z.string() }),
      execute: async ({ topic }, tool) => `found ${topic} (#${await witness(params.witness, `look_up ${topic}`, ctx.runId, tool.signal)})`,
    })
    const topic = await ui.textInput({ prompt: 'Topic?' })
    const student = new Agent({ name: 'Student', systemMessage: 'You are a student.' })
    const teacher = new Agent({ name: 'Teacher', systemMessage: 'You are a teacher.', tools: [lookUp] })
    const chat = await student.run(teacher, { message: `Teach me ${topic}`, maxTurns: params.max_turns, summary: 'reflection' })
    return chat.summary
  },
})

/** A question with a deadline, of either kind and either `on_timeout`. */
export const deadline = defineWorkflow({
  name: 'deadline',
  description: 'Asks one question with a deadline and reports what it got',
  params: z.object({
    timeout_seconds: z.number().positive().default(1),
    on_timeout: z.enum(['default', 'error']).default('default'),
    kind: z.enum(['text', 'single', 'multi']).default('single'),
    catch_expiry: z.boolean().default(false),
  }),
  async run(ui, params) {
    const deadlineOptions = { timeout_seconds: params.timeout_seconds, on_timeout: params.on_timeout }
    try {
      const answer =
        params.kind === 'text'
          ? await ui.textInput({ prompt: 'Name?', default: 'nobody', ...deadlineOptions })
          : params.kind === 'single'
            ? await ui.multipleChoice({ prompt: 'Approve?', choices: ['yes', 'no'], default: 'no', ...deadlineOptions })
            : await ui.multipleChoice({ prompt: 'Which?', choices: ['a', 'b'], default: 'b', single: false, ...deadlineOptions })
      await ui.textMessage({ body: `answer: ${JSON.stringify(answer)}` })
      return JSON.stringify(answer)
    } catch (error) {
      if (params.catch_expiry && error instanceof QuestionExpiredError) return 'expired, and carried on'
      throw error
    }
  },
})

/** A workflow that opts out of resuming: an interrupted run is marked failed. */
export const fragile = defineWorkflow({
  name: 'fragile',
  description: 'Asks a question; does not resume after a restart',
  resume: false,
  async run(ui) {
    return ui.textInput({ prompt: 'Anything?' })
  },
})

/** One question, one answer: the smallest run that waits for a person. */
export const one_question = defineWorkflow({
  name: 'one_question',
  description: 'Asks one question and completes with the answer',
  async run(ui) {
    const answer = await ui.textInput({ prompt: 'Anything?' })
    return `answered ${answer}`
  },
})
