import { z } from 'zod'
import { defineWorkflow } from '../runtime/define-workflow.ts'

export const ticker = defineWorkflow({
  name: 'ticker',
  description: 'Sends a numbered text message every interval (a durable timer: a restart resumes at the next tick)',
  params: z.object({
    count: z.int().min(1).max(10_000).default(5),
    interval_ms: z.int().min(0).max(60_000).default(500),
  }),
  async run(ui, params, ctx) {
    for (let tick = 1; tick <= params.count; tick++) {
      if (tick > 1) await ctx.sleep(params.interval_ms)
      await ui.textMessage({ body: `tick ${tick}/${params.count}`, sender: 'Ticker', recipient: 'User' })
    }
    return `${params.count} ticks`
  },
})
