import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import type { Workflow } from '../../src/runtime/define-workflow.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { freePort, REPO } from '../support/cli-process.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { killHard, START_TIMEOUT_MS, useParleyProcesses } from '../support/parley-process.ts'

/**
 * A resumed run replays its journal; when the workflow now asks for something else (its code
 * changed between restarts, or it read the clock behind ctx's back), the run fails clearly
 * instead of acting on a history that never happened.
 */

/** Version 1 of `drift`: a message, a question, a closing message. */
const original = defineWorkflow({
  name: 'drift',
  description: 'v1',
  async run(ui) {
    await ui.textMessage({ body: 'step one' })
    const name = await ui.textInput({ prompt: 'Name?' })
    await ui.textMessage({ body: `bye ${name}` })
    return name
  },
})

/** Versions deployed while a run of v1 waited for its answer. */
const reworded = defineWorkflow({
  name: 'drift',
  description: 'v2: the first message reworded',
  async run(ui) {
    await ui.textMessage({ body: 'step 1' })
    return ui.textInput({ prompt: 'Name?' })
  },
})
const shortened = defineWorkflow({
  name: 'drift',
  description: 'v2: no longer asks',
  async run(ui) {
    await ui.textMessage({ body: 'step one' })
    return 'done early'
  },
})
const swallowing = defineWorkflow({
  name: 'drift',
  description: 'v2: catches whatever its ui call throws',
  async run(ui) {
    try {
      await ui.systemMessage({ message: { step: 1 } })
    } catch {
      // a workflow that swallows errors must still not carry on from a diverged history
    }
    return 'carried on'
  },
})
const redescribed = defineWorkflow({ ...original, description: 'v2: only the description changed' })

let dir: string
let app: ParleyApp | undefined
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-drift-'))
})
afterEach(async () => {
  await app?.close()
  app = undefined
  rmSync(dir, { recursive: true, force: true })
})

function boot(workflow: Workflow): ParleyApp {
  app = createApp({ workflows: [workflow], store: createSqliteStore(join(dir, 'parley.db')) })
  return app
}

/**
 * Starts `drift` v1 and leaves it waiting for its name, restarts with `next`, and answers: the
 * reply resumes the parked run on the new code.
 */
async function resumeWith(next: Workflow) {
  const first = boot(original)
  const run = await startRun(first, 'drift')
  const question = await nextQuestion(first, run.id)
  await first.close()
  const second = boot(next)
  await second.runs.startWorker()
  await answer(second, run.id, question.id, 'Ada')
  return { run, second }
}

describe('a resumed run whose workflow changed', () => {
  it('fails with "non-deterministic workflow", naming the effect and both sides', async () => {
    const { run, second } = await resumeWith(reworded)
    const log = await readLog(second, run.id)
    expect(log.map((message) => message.type)).toEqual([
      'workflow_started',
      'text_message',
      'text_input',
      'reply',
      'error',
      'workflow_completed',
    ])
    const failed = (await call(second, 'GET', `/v1/runs/${run.id}`)).body
    expect(failed.status).toBe('failed')
    expect(failed.error.short).toBe('non-deterministic workflow: replay diverged from the journal at effect #2')
    expect(failed.error.long).toContain('Effect #2 differs: the journal holds text_message "step one"')
    expect(failed.error.long).toContain('the workflow now asks for text_message "step 1"')
    expect(log[4].content).toEqual(failed.error)
  })

  it('fails when the workflow returns before the effects its journal holds', async () => {
    const { run, second } = await resumeWith(shortened)
    await readLog(second, run.id)
    const failed = (await call(second, 'GET', `/v1/runs/${run.id}`)).body
    expect(failed).toMatchObject({ status: 'failed', result: null })
    expect(failed.error.short).toContain('non-deterministic workflow')
    expect(failed.error.long).toContain('returned after 2 effect(s), but the journal holds effect #3: text_input "Name?"')
  })

  it('fails even when the workflow swallows the error its diverging call threw', async () => {
    const { run, second } = await resumeWith(swallowing)
    await readLog(second, run.id)
    const failed = (await call(second, 'GET', `/v1/runs/${run.id}`)).body
    expect(failed.status).toBe('failed')
    expect(failed.error.long).toContain('the workflow now asks for system_message')
  })

  it('resumes as usual when only the description changed', async () => {
    const { run, second } = await resumeWith(redescribed)
    await readLog(second, run.id)
    expect((await call(second, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result: 'Ada' })
  })
})

describe('a workflow module edited between restarts of `parley serve`', () => {
  const processes = useParleyProcesses()

  it(
    'fails its resumed runs clearly, and new runs use the new code',
    async () => {
      const module = join(dir, 'mine.ts')
      const source = (greeting: string) => `import { defineWorkflow } from ${JSON.stringify(join(REPO, 'src/runtime/define-workflow.ts'))}
export const hello = defineWorkflow({
  name: 'hello',
  description: 'Greets, then asks',
  async run(ui) {
    await ui.textMessage({ body: ${JSON.stringify(greeting)} })
    return ui.textInput({ prompt: 'Name?' })
  },
})
`
      writeFileSync(module, source('Hello!'))
      const port = await freePort()
      const db = join(dir, 'parley.db')
      let server = await processes.serve([module, '--db', db], port)
      const run = await startRun(server.url, 'hello')
      await nextQuestion(server.url, run.id)
      await killHard(server)

      writeFileSync(module, source('Good morning!'))
      server = await processes.serve([module, '--db', db], port)
      await readLog(server.url, run.id)
      const failed = (await call(server.url, 'GET', `/v1/runs/${run.id}`)).body
      expect(failed.status).toBe('failed')
      expect(failed.error.short).toContain('non-deterministic workflow')
      expect(failed.error.long).toContain('the journal holds text_message "Hello!" (message "text_message"')
      expect(failed.error.long).toContain('the workflow now asks for text_message "Good morning!"')

      const fresh = await startRun(server.url, 'hello')
      await answer(server.url, fresh.id, (await nextQuestion(server.url, fresh.id)).id, 'Ada')
      const log = await readLog(server.url, fresh.id)
      expect(log[1].content.body).toBe('Good morning!')
    },
    START_TIMEOUT_MS * 3,
  )
})
