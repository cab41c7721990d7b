import { z } from 'zod'
import { defineWorkflow } from '../runtime/define-workflow.ts'

/** One small workflow per message type, no LLM needed: for the tests, the UI and a first look. */

export const echo = defineWorkflow({
  name: 'echo',
  description: 'Says back the text it is given, as a text message',
  params: z.object({ text: z.string().min(1).max(10_000).default('Hello from Parley').describe('What to say back') }),
  async run(ui, params) {
    await ui.textMessage({ body: params.text, sender: 'Echo', recipient: 'User' })
    return params.text
  },
})

export const system_notice = defineWorkflow({
  name: 'system_notice',
  description: 'Sends a structured system message',
  params: z.object({ level: z.enum(['info', 'warning']).default('info') }),
  async run(ui, params, ctx) {
    // ctx.now(), not new Date(): a resumed run must send the same message it sent before.
    const at = new Date(await ctx.now()).toISOString()
    await ui.systemMessage({ message: { level: params.level, text: 'Parley is up and running', at } })
    return 'notified'
  },
})

export const calculator = defineWorkflow({
  name: 'calculator',
  description: 'Proposes a function call (add two numbers), executes it and reports the result',
  params: z.object({ a: z.number().default(2), b: z.number().default(3) }),
  async run(ui, params, ctx) {
    const callId = `call_${Math.floor((await ctx.random()) * 2 ** 32).toString(36)}`
    await ui.suggestedFunctionCall({
      function_name: 'add',
      call_id: callId,
      arguments: { a: params.a, b: params.b },
      sender: 'Calculator',
      recipient: 'Tools',
    })
    const sum = params.a + params.b
    await ui.functionCallExecution({ function_name: 'add', call_id: callId, retval: sum, sender: 'Tools', recipient: 'Calculator' })
    await ui.textMessage({ body: `${params.a} + ${params.b} = ${sum}`, sender: 'Calculator', recipient: 'User' })
    return String(sum)
  },
})

export const report_error = defineWorkflow({
  name: 'report_error',
  description: 'Reports an error message; with crash: true it then throws, and the run fails',
  params: z.object({ crash: z.boolean().default(false).describe('Throw after reporting') }),
  async run(ui, params) {
    await ui.error({ short: 'Something looked wrong', long: 'This is what an error message looks like; the workflow carries on.' })
    if (params.crash) throw new Error('the workflow crashed on purpose')
    return 'reported'
  },
})
