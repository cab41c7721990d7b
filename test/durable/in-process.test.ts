import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { greet } from '../../src/examples/questions.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { fragile } from '../support/durable-workflows.ts'

describe('the memory store, within one process', () => {
  it('resumes a run whose runtime was stopped when a new one starts over the same store', async () => {
    const store = createMemoryStore()
    const first = createApp({ workflows: [greet], store })
    const run = await startRun(first, 'greet')
    await answer(first, run.id, (await nextQuestion(first, run.id)).id, 'Ada')
    const mood = await nextQuestion(first, run.id)
    await first.runs.stop()

    const second = createApp({ workflows: [greet], store })
    try {
      // Parked as it waited for its reply when the first stopped; the reply resumes it on the second.
      expect(await second.runs.startWorker()).toEqual({ resumed: 0, failed: 0 })
      expect((await call(second, 'GET', `/v1/runs/${run.id}`)).body.pending_question?.id).toBe(mood.id)
      await answer(second, run.id, mood.id, 'good')
      const log = await readLog(second, run.id)
      expect(log.map((message) => message.type)).toEqual([
        'workflow_started',
        'text_input',
        'reply',
        'multiple_choice',
        'reply',
        'text_message',
        'workflow_completed',
      ])
      expect((await call(second, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result: 'greeted Ada' })
    } finally {
      await second.close()
    }
  })

  it('keeps a journal for a run that can resume, and none for a workflow with resume: false', async () => {
    const store = createMemoryStore()
    const app = createApp({ workflows: [greet, fragile], store })
    try {
      const durable = await startRun(app, 'greet')
      const ephemeral = await startRun(app, 'fragile')
      await nextQuestion(app, durable.id)
      await nextQuestion(app, ephemeral.id)
      expect((await store.readJournal(durable.id)).map((entry) => [entry.position, entry.kind, entry.name])).toEqual([
        [1, 'message', 'workflow_started'],
        [2, 'question', 'text_input'],
      ])
      expect(await store.readJournal(ephemeral.id)).toEqual([])
    } finally {
      await app.close()
    }
  })

  it('replays what a failed ctx.step threw — an Error or a plain object — without running the step again', async () => {
    let attempts = 0
    const declined = defineWorkflow({
      name: 'declined',
      description: 'Two steps that fail, caught by the workflow, then a question',
      params: z.object({}),
      async run(ui, _params, ctx) {
        let charge = 'charged'
        try {
          await ctx.step('charge', () => {
            attempts++
            throw new RangeError('card declined')
          })
        } catch (error) {
          charge = `${(error as Error).name}: ${(error as Error).message}`
        }
        let refund = 'refunded'
        try {
          await ctx.step('refund', () => {
            attempts++
            throw { reason: 'no such charge' }
          })
        } catch (error) {
          refund = error instanceof Error ? error.message : JSON.stringify(error)
        }
        const again = await ui.textInput({ prompt: `${charge}; ${refund}. Try again later?` })
        return `${charge}; ${refund}; ${again}`
      },
    })
    const store = createMemoryStore()
    const first = createApp({ workflows: [declined], store })
    const run = await startRun(first, 'declined')
    const question = await nextQuestion(first, run.id)
    expect(question.content.prompt).toBe('RangeError: card declined; {"reason":"no such charge"}. Try again later?')
    await first.runs.stop()

    const second = createApp({ workflows: [declined], store })
    try {
      await second.runs.startWorker()
      await answer(second, run.id, question.id, 'yes')
      await readLog(second, run.id)
      // Replayed from the journal: the same errors reach the workflow, and it asks the same question.
      expect((await call(second, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({
        status: 'completed',
        result: 'RangeError: card declined; {"reason":"no such charge"}; yes',
      })
      expect(attempts).toBe(2)
    } finally {
      await second.close()
    }
  })
})
