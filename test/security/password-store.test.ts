import { describe, expect, it } from 'vitest'
import type { MessageDraft } from '../../src/schemas/messages.ts'
import { STORE_BACKENDS, useOpenedStore } from '../support/store-backends.ts'

/** Every backend records the reply the runtime shows (a password masked) and keeps the answer itself with the question. */

const password: MessageDraft = {
  type: 'text_input',
  content: { prompt: 'Passphrase?', suggestions: [], password: true, default: null, expires_at: null, on_timeout: null },
  sender: 'Vault',
  recipient: 'User',
  auto_reply: false,
}

describe.each(STORE_BACKENDS)('the $name store, answering with a shown answer', (backend) => {
  const store = useOpenedStore(backend)

  it('puts the shown answer in the reply and the answer in the question record; the same answer again is a duplicate', async () => {
    const created = await store.createRun({
      user_id: 'alice',
      workflow: 'secret_check',
      params: {},
      idempotency_key: null,
      request_hash: null,
      max_active_runs: 10,
    })
    if (created.kind !== 'created') throw new Error(`createRun: ${created.kind}`)
    const runId = created.run.id
    const question = await store.append(runId, password)
    const answered = await store.answerQuestion(runId, question.id, 'hunter2 hunter2', 'User', 'Vault', '••••••••')
    expect(answered.kind).toBe('answered')
    if (answered.kind !== 'answered') return
    expect(answered.reply.content).toEqual({ question_id: question.id, answer: '••••••••' })
    expect(await store.getQuestion(runId, question.id)).toMatchObject({ status: 'answered', answer: 'hunter2 hunter2' })
    expect(JSON.stringify(await store.listMessages(runId, 0, 100))).not.toContain('hunter2')
    expect(await store.answerQuestion(runId, question.id, 'hunter2 hunter2', 'User', 'Vault', '••••••••')).toEqual({
      kind: 'duplicate',
      reply: answered.reply,
    })
    expect(await store.answerQuestion(runId, question.id, 'other', 'User', 'Vault', '••••••••')).toEqual({
      kind: 'not_pending',
      status: 'answered',
    })
  })
})
