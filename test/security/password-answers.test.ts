import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { secret_check } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { MASKED_ANSWER } from '../../src/runtime/answers.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { serve } from '../../src/server.ts'
import { Database } from '../../src/store/sqlite/driver.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'

/** A password answer goes to the workflow; the log (API, web UI, every client) records it masked. */

/** The passphrase vault_confirm expects: in its code, so that no message of the run holds it. */
const VAULT_PASSPHRASE = 'open sesame 42'

/** Asks a passphrase, then a confirmation: a restart between the two makes the resumed run replay the first answer. */
const vault_confirm = defineWorkflow({
  name: 'vault_confirm',
  description: 'Asks a passphrase, asks to confirm, then says whether it was the expected one',
  async run(ui) {
    const secret = await ui.textInput({ prompt: 'Passphrase?', password: true, sender: 'Vault', recipient: 'User' })
    await ui.multipleChoice({ prompt: 'Unlock?', choices: ['yes', 'no'], sender: 'Vault', recipient: 'User' })
    const verdict = secret === VAULT_PASSPHRASE ? 'the expected passphrase' : 'another passphrase'
    await ui.textMessage({ body: `That was ${verdict}.`, sender: 'Vault', recipient: 'User' })
    return verdict
  },
})

let dir: string
let app: ParleyApp | undefined
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-password-'))
})
afterEach(async () => {
  await app?.close()
  app = undefined
  rmSync(dir, { recursive: true, force: true })
})
const dbPath = () => join(dir, 'parley.db')
function boot(): ParleyApp {
  app = createApp({ workflows: [secret_check, vault_confirm], store: createSqliteStore(dbPath()) })
  return app
}

describe('a password question', () => {
  it('records the reply as eight bullets, while the workflow judges the real passphrase', async () => {
    const current = boot()
    const passphrase = 'correct horse battery staple'
    const run = await startRun(current, 'secret_check')
    const question = await nextQuestion(current, run.id)
    const reply = await answer(current, run.id, question.id, passphrase)
    expect(reply.content).toEqual({ question_id: question.id, answer: MASKED_ANSWER, answered_by: 'anonymous' })
    expect(MASKED_ANSWER).toBe('••••••••')

    const log = await readLog(current, run.id)
    expect(log.find((message) => message.type === 'reply')?.content.answer).toBe('••••••••')
    expect(log.find((message) => message.type === 'text_message')?.content.body).toBe('Your passphrase is long enough.')
    const finished = (await call(current, 'GET', `/v1/runs/${run.id}`)).body
    expect(finished).toMatchObject({ status: 'completed', result: 'long enough' })
    const listed = (await call(current, 'GET', '/v1/runs')).body
    expect(JSON.stringify([log, finished, listed])).not.toContain(passphrase)

    // Short or long, the mask is the same: it does not tell the length.
    const short = await startRun(current, 'secret_check')
    const shortReply = await answer(current, short.id, (await nextQuestion(current, short.id)).id, 'abc')
    expect(shortReply.content.answer).toBe('••••••••')
    expect((await readLog(current, short.id)).find((message) => message.type === 'text_message')?.content.body).toBe(
      'Your passphrase is too short.',
    )
  })

  it('answers the same reply again with 200 and the recorded (masked) reply; another answer is 409', async () => {
    const current = boot()
    const run = await startRun(current, 'vault_confirm')
    const question = await nextQuestion(current, run.id)
    const body = { question_id: question.id, answer: 'open sesame' }
    const first = await call(current, 'POST', `/v1/runs/${run.id}/replies`, { body })
    expect(first.status).toBe(201)
    const again = await call(current, 'POST', `/v1/runs/${run.id}/replies`, { body })
    expect(again.status).toBe(200)
    expect(again.body).toEqual(first.body)
    expect(again.body.content.answer).toBe('••••••••')
    const other = await call(current, 'POST', `/v1/runs/${run.id}/replies`, { body: { ...body, answer: 'something else' } })
    expect(other.status).toBe(409)
  })

  it('keeps the clear answer only in the question record, which a resumed run reads after a restart', async () => {
    let current = boot()
    const passphrase = VAULT_PASSPHRASE
    const run = await startRun(current, 'vault_confirm')
    await answer(current, run.id, (await nextQuestion(current, run.id)).id, passphrase)
    const confirm = await nextQuestion(current, run.id)
    await current.close()

    // In the file: the log's messages hold the mask; only the question's record holds the passphrase.
    const db = new Database(dbPath(), { readonly: true })
    try {
      const bodies = db.prepare('SELECT body FROM messages WHERE run_id = ?').all(run.id) as { body: string }[]
      expect(bodies.some((row) => row.body.includes('••••••••'))).toBe(true)
      expect(bodies.filter((row) => row.body.includes(passphrase))).toEqual([])
      const answers = db.prepare('SELECT answer FROM questions WHERE run_id = ? AND answer IS NOT NULL').all(run.id) as { answer: string }[]
      expect(answers.map((row) => JSON.parse(row.answer))).toEqual([passphrase])
    } finally {
      db.close()
    }

    current = boot()
    const server = await serve(current, { port: 0 })
    try {
      await answer(server.url, run.id, confirm.id, 'yes')
      const log = await readLog(server.url, run.id)
      expect(log.find((message) => message.type === 'text_message')?.content.body).toBe('That was the expected passphrase.')
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({
        status: 'completed',
        result: 'the expected passphrase',
      })
    } finally {
      await server.close()
      app = undefined
    }
  })
})
