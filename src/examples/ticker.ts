import { z } from 'zod'
import { defineWorkflow } from '../runtime/define-workflow.ts'

/** How long one run of the ticker may go on: a public server runs the examples, and nobody may make it tick for days. */
export const TICKER_MAX_MS = 10 * 60 * 1000

export const ticker = defineWorkflow({
  name: 'ticker',
  description: `Sends a numbered text message every interval (a durable timer: a restart resumes at the next tick); at most ${TICKER_MAX_MS / 60_000} minutes in all`,
  params: z
    .object({
      count: z.int().min(1).max(1000).default(5),
      interval_ms: z.int().min(0).max(10_000).default(500),
    })
    .refine((params) => (params.count - 1) * params.interval_ms <= TICKER_MAX_MS, {
      message: `count × interval_ms may span at most ${TICKER_MAX_MS / 60_000} minutes`,
      path: ['interval_ms'],
    }),
  async run(ui, params, ctx) {
    for (let tick = 1; tick <= params.count; tick++) {
      if (tick > 1) await ctx.sleep(params.interval_ms)
      await ui.textMessage({ body: `tick ${tick}/${params.count}`, sender: 'Ticker', recipient: 'User' })
    }
    return `${params.count} ticks`
  },
})
