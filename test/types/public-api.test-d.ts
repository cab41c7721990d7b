/**
 * Type-level tests of the package's public API (`parley-server`), checked by `tsc --noEmit`
 * (`npm run typecheck`, the first step of `npm test`). An `expectTypeOf` that does not hold, or an
 * `@ts-expect-error` line that compiles, fails the typecheck; nothing here runs.
 */
import { expectTypeOf } from 'vitest'
import { z } from 'zod'
import type { CreateAppOptions, ParleyApp, Workflow, WorkflowContext, WorkflowUI } from '../../src/index.ts'
import { createApp, defineWorkflow } from '../../src/index.ts'

const params = z.object({
  item: z.string(),
  quantity: z.int().min(1).default(1),
  note: z.string().optional(),
})

// defineWorkflow infers the params' type (as parsed: defaults applied) into run(ui, params, ctx).
export const order = defineWorkflow({
  name: 'order',
  description: 'Takes an order',
  params,
  async run(ui, params, ctx) {
    expectTypeOf(params).toEqualTypeOf<{ item: string; quantity: number; note?: string | undefined }>()
    expectTypeOf(ui).toEqualTypeOf<WorkflowUI>()
    expectTypeOf(ctx).toEqualTypeOf<WorkflowContext>()
    // @ts-expect-error not a param of this workflow
    params.colour
    return `ordered ${params.quantity} ${params.item}`
  },
})
expectTypeOf(order).toEqualTypeOf<Workflow<typeof params>>()
expectTypeOf(order).toExtend<Workflow>()

// Without params, run gets an empty object (no key to read).
defineWorkflow({
  name: 'no_params',
  description: 'Takes nothing',
  async run(_ui, params) {
    expectTypeOf(params).toEqualTypeOf<Record<string, never>>()
    return 'done'
  },
})

defineWorkflow({
  name: 'returns_a_number',
  description: 'A run resolves to its result, a string',
  // @ts-expect-error run must resolve to a string
  async run() {
    return 42
  },
})

// What the workflow's ui calls resolve to.
declare const ui: WorkflowUI
declare const single: boolean
expectTypeOf(ui.textInput({ prompt: 'Your name?' })).toEqualTypeOf<Promise<string>>()
expectTypeOf(ui.multipleChoice({ prompt: 'Size?', choices: ['S', 'M'] })).toEqualTypeOf<Promise<string>>()
expectTypeOf(ui.multipleChoice({ prompt: 'Size?', choices: ['S', 'M'], single: true })).toEqualTypeOf<Promise<string>>()
expectTypeOf(ui.multipleChoice({ prompt: 'Toppings?', choices: ['ham', 'olives'], single: false })).toEqualTypeOf<Promise<string[]>>()
expectTypeOf(ui.multipleChoice({ prompt: 'Toppings?', choices: ['ham'], single })).toEqualTypeOf<Promise<string | string[]>>()
// @ts-expect-error a text input needs a prompt
ui.textInput({ suggestions: ['Ada'] })
// @ts-expect-error on_timeout is 'default' or 'error'
ui.textInput({ prompt: 'Your name?', timeout_seconds: 30, on_timeout: 'skip' })

// createApp's options.
expectTypeOf(createApp).parameter(0).toEqualTypeOf<CreateAppOptions>()
expectTypeOf(createApp({ workflows: [order] })).toEqualTypeOf<ParleyApp>()
createApp({ workflows: { order }, limits: { runsPerMinute: 10, retentionMs: null }, corsOrigins: ['http://localhost:5173'] })
// @ts-expect-error workflows are required
createApp({})
// @ts-expect-error a limit is a number
createApp({ workflows: [order], limits: { runsPerMinute: '10' } })
// @ts-expect-error an option createApp does not have
createApp({ workflows: [order], port: 8008 })
