import { describe, expect, it } from 'vitest'
import { greet } from '../../src/examples/questions.ts'
import { createApp } from '../../src/http/app.ts'
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
})
