import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Message, Run } from '../../clients/typescript/index.ts'
import { createClient } from '../../clients/typescript/index.ts'
import { freePort, REPO, waitForOutput } from '../support/cli-process.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { conversationOf, requestKey, seqsOf, tutorReply } from '../support/durable-runs.ts'
import type { FakeOpenAI } from '../support/fake-openai.ts'
import { startFakeOpenAI } from '../support/fake-openai.ts'
import type { ServerProcess } from '../support/parley-process.ts'
import { killHard, START_TIMEOUT_MS, useParleyProcesses } from '../support/parley-process.ts'
import { waitFor } from '../support/wait-for.ts'
import type { Witness } from '../support/witness.ts'
import { startWitness } from '../support/witness.ts'

/**
 * Real `parley serve` processes over one SQLite file, killed with SIGKILL at the worst moments and
 * started again: every run carries on where it was, its log intact, no effect done twice unless
 * it was in flight at the kill.
 */

const MODULE = join(REPO, 'test/support/durable-workflows.ts')
const TEST_TIMEOUT_MS = START_TIMEOUT_MS * 4

const processes = useParleyProcesses()
let dir: string
let port: number
let witness: Witness
let openai: FakeOpenAI
let server: ServerProcess

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-sigkill-'))
  port = await freePort()
  witness = await startWitness()
  openai = await startFakeOpenAI()
  openai.otherwise(tutorReply)
})
afterEach(async () => {
  await witness.close()
  await openai.close()
  rmSync(dir, { recursive: true, force: true })
})

/** `parley serve` on the same file and port every time, as a restarted deployment would be. */
async function boot(): Promise<ServerProcess> {
  server = await processes.serve([MODULE, '--db', join(dir, 'parley.db')], port, {
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: 'test-key',
    PARLEY_LLM_MAX_RETRIES: '0',
    // The emitting run writes 20,000 messages, past the default cap of 10,000 per run.
    PARLEY_MAX_MESSAGES_PER_RUN: '50000',
  })
  return server
}

async function killAndRestart(): Promise<ServerProcess> {
  await killHard(server)
  return boot()
}

/** Waits for the run to be as `done(run)` says. */
async function until(runId: string, done: (run: Run) => boolean, what: string): Promise<void> {
  const current = async (): Promise<Run> => (await call(server.url, 'GET', `/v1/runs/${runId}`)).body
  await waitFor(async () => done(await current()), `run ${runId}: ${what}`, { detail: current })
}

describe('a run whose server is killed (SIGKILL) and started again', () => {
  it(
    'while emitting: the log has each message once, in order, and the run completes as an uninterrupted one does',
    async () => {
      await boot()
      const run = await startRun(server.url, 'emitter', { count: 20_000 })
      await until(run.id, (current) => current.last_seq >= 2000, 'emitting 2000 messages')
      await killAndRestart()
      await waitForOutput(server, 'parley: 1 interrupted run(s) resumed, 0 marked failed', 5000)

      await until(run.id, (current) => current.status !== 'running', 'the end of the run')
      const log = await readLog(server.url, run.id, 0, 1000)
      expect(seqsOf(log)).toEqual(log.map((_, index) => index + 1))
      const bodies = log.filter((message) => message.type === 'text_message').map((message) => message.content.body)
      expect(bodies).toEqual(Array.from({ length: 20_000 }, (_, index) => `message ${index + 1}`))
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result: '20000 messages' })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'while awaiting input: the same question waits, and a client that kept following sees no gap and no duplicate',
    async () => {
      await boot()
      // The same conversation uninterrupted, for comparison.
      const reference = await startRun(server.url, 'quiz_loop', { max_rounds: 3 })
      const answers = ['first note', 'continue', 'second note', 'stop']
      for (const value of answers) await answer(server.url, reference.id, (await nextQuestion(server.url, reference.id)).id, value)
      const referenceLog = await readLog(server.url, reference.id)

      const client = createClient({ baseUrl: server.url })
      const { data: run } = await client.startRun('quiz_loop', { max_rounds: 3 })
      if (!run) throw new Error('no run')
      const seen: Message[] = []
      const pending = [...answers]
      let killedAt: string | undefined
      for await (const message of client.messages(run.id, { wait: 10, retries: 40 })) {
        seen.push(message)
        if (message.type !== 'text_input' && message.type !== 'multiple_choice') continue
        if (pending.length === 2 && !killedAt) {
          // Round 2's question is out: the server dies, a new one starts on the same file and port.
          killedAt = message.id
          await killAndRestart()
          const resumed = (await call(server.url, 'GET', `/v1/runs/${run.id}`)).body
          expect(resumed).toMatchObject({ status: 'awaiting_input', pending_question: { id: message.id, seq: message.seq } })
        }
        await answer(server.url, run.id, message.id, pending.shift() ?? 'stop')
      }

      expect(killedAt).toBeDefined()
      expect(seqsOf(seen)).toEqual(seen.map((_, index) => index + 1))
      expect(conversationOf(seen)).toEqual(conversationOf(referenceLog))
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({
        status: 'completed',
        result: '2 note(s): first note | second note',
      })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'mid two-agent chat: journaled completions and tool calls are not repeated; the completion in flight is, once',
    async () => {
      await boot()
      const reference = await startRun(server.url, 'agent_chat', { witness: witness.url, max_turns: 2 })
      await answer(server.url, reference.id, (await nextQuestion(server.url, reference.id)).id, 'fractions')
      const referenceLog = await readLog(server.url, reference.id)
      const referenceRun = (await call(server.url, 'GET', `/v1/runs/${reference.id}`)).body
      const referenceRequests = openai.requests.map(requestKey)
      expect(referenceRequests.length).toBeGreaterThanOrEqual(4)
      expect(witness.count('look_up fractions')).toBe(1)

      // The third completion of the next run hangs: the teacher has looked the topic up, the student is answering.
      const hangAt = referenceRequests.length + 2
      openai.otherwise((request) => (request.index === hangAt ? { hang: true } : tutorReply(request)))
      const run = await startRun(server.url, 'agent_chat', { witness: witness.url, max_turns: 2 })
      await answer(server.url, run.id, (await nextQuestion(server.url, run.id)).id, 'fractions')
      await openai.waitForRequests(hangAt + 1, 20_000)
      await killAndRestart()

      const log = await readLog(server.url, run.id)
      expect(conversationOf(log)).toEqual(conversationOf(referenceLog))
      const settled = (await call(server.url, 'GET', `/v1/runs/${run.id}`)).body
      expect(settled).toMatchObject({ status: 'completed', result: referenceRun.result, usage: referenceRun.usage })

      const requests = openai.requests.slice(referenceRequests.length).map(requestKey)
      // Every completion of the reference once, and only the one in flight at the kill twice.
      expect(requests.filter((key, index) => requests.indexOf(key) !== index)).toEqual([requestKey(openai.requests[hangAt] as never)])
      expect([...new Set(requests)]).toEqual(referenceRequests)
      expect(witness.count('look_up fractions')).toBe(2)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'mid tool execution: the tool cut off runs again (at least once), the completion before it does not',
    async () => {
      await boot()
      witness.hold('look_up fractions')
      const run = await startRun(server.url, 'agent_chat', { witness: witness.url, max_turns: 2 })
      await answer(server.url, run.id, (await nextQuestion(server.url, run.id)).id, 'fractions')
      await witness.waitFor('look_up fractions', 1)
      const requestsBeforeKill = openai.requests.length
      await killHard(server)
      witness.release('look_up fractions')
      await boot()

      const log = await readLog(server.url, run.id)
      expect(witness.count('look_up fractions')).toBe(2)
      const executions = log.filter((message) => message.type === 'function_call_execution')
      expect(executions).toHaveLength(1)
      expect(executions[0].content.retval).toBe('found fractions (#2)')
      // The completion that asked for the tool was journaled: the first request after the restart is the next one.
      const keys = openai.requests.map(requestKey)
      expect(new Set(keys).size).toBe(keys.length)
      expect(openai.requests[requestsBeforeKill]?.body.messages.at(-1).role).toBe('tool')
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body.status).toBe('completed')
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'inside ctx.sleep: the ticker resumes at the next tick, every tick once',
    async () => {
      await boot()
      const run = await startRun(server.url, 'ticker', { count: 45, interval_ms: 60 })
      await until(run.id, (current) => current.last_seq >= 41, 'tick 40')
      await killAndRestart()

      const log = await readLog(server.url, run.id)
      expect(seqsOf(log)).toEqual(log.map((_, index) => index + 1))
      const ticks = log.filter((message) => message.type === 'text_message').map((message) => message.content.body)
      expect(ticks).toEqual(Array.from({ length: 45 }, (_, index) => `tick ${index + 1}/45`))
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result: '45 ticks' })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'inside ctx.sleep: the sleep cut by the kill waits only for what was left of it',
    async () => {
      await boot()
      const interval = 8000
      const run = await startRun(server.url, 'ticker', { count: 2, interval_ms: interval })
      await until(run.id, (current) => current.last_seq >= 2, 'tick 1')
      // Three quarters of the sleep pass before the kill: a durable timer ends at most a quarter of
      // it (2 s) after the restart, one started again from scratch a whole interval (8 s) after it.
      await new Promise((resolve) => setTimeout(resolve, (interval * 3) / 4))
      await killAndRestart()
      const restartedAt = Date.now()

      const [, first, second] = (await readLog(server.url, run.id)).filter((message) => message.type !== 'workflow_completed')
      const firstAt = Date.parse(first.created_at)
      const secondAt = Date.parse(second.created_at)
      expect(secondAt - firstAt).toBeGreaterThanOrEqual(interval)
      // Halfway between the two: 2 s of slack either side for a loaded machine.
      expect(secondAt).toBeLessThan(restartedAt + interval / 2)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'awaiting a question whose deadline passes while the server is down: it expires as soon as the run is back',
    async () => {
      await boot()
      const run = await startRun(server.url, 'deadline', { timeout_seconds: 3, on_timeout: 'default', kind: 'single' })
      const question = await nextQuestion(server.url, run.id)
      await killHard(server)
      const killedAt = Date.now()
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(question.content.expires_at) - Date.now()) + 200))
      await boot()

      const refused = await call(server.url, 'POST', `/v1/runs/${run.id}/replies`, { body: { question_id: question.id, answer: 'yes' } })
      expect(refused.status).toBe(409)
      expect(refused.body.code).toBe('question_expired')
      const log = await readLog(server.url, run.id)
      expect(log.map((message) => message.type)).toEqual([
        'workflow_started',
        'multiple_choice',
        'system_message',
        'text_message',
        'workflow_completed',
      ])
      expect(log[2].content.message).toEqual({ event: 'question_expired', question_id: question.id, on_timeout: 'default', answer: 'no' })
      // Recorded by the restarted server, not before the kill.
      expect(Date.parse(log[2].created_at)).toBeGreaterThan(killedAt)
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result: '"no"' })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'three times on one run: mid ctx.step, then awaiting each of two questions; steps, clock and dice stay as first recorded',
    async () => {
      await boot()
      witness.hold('charge')
      const run = await startRun(server.url, 'stepper', { witness: witness.url })
      await witness.waitFor('charge', 1)
      await killHard(server) // 1: the charge was in flight
      witness.release('charge')
      await boot()

      const name = await nextQuestion(server.url, run.id)
      expect(witness.count('charge')).toBe(2)
      await killAndRestart() // 2: awaiting "Name?"
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body.pending_question?.id).toBe(name.id)
      await answer(server.url, run.id, name.id, 'Ada')

      const again = await nextQuestion(server.url, run.id)
      await killAndRestart() // 3: awaiting "Again?", after the e-mail step
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body.pending_question?.id).toBe(again.id)
      await answer(server.url, run.id, again.id, 'no')

      const log = await readLog(server.url, run.id)
      expect(log.map((message) => message.type)).toEqual([
        'workflow_started',
        'text_message',
        'text_input',
        'reply',
        'text_message',
        'multiple_choice',
        'reply',
        'workflow_completed',
      ])
      const [, charged, , , emailed] = log
      const [, now, dice] = /^charged \(#2\) at (\d+), dice ([\d.e-]+)$/.exec(charged.content.body) ?? []
      expect(now).toBeDefined()
      expect(emailed.content.body).toBe('emailed Ada (#1)')
      expect(witness.count('email')).toBe(1)
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({
        status: 'completed',
        result: `Ada no ${now} ${dice}`,
      })
    },
    TEST_TIMEOUT_MS,
  )
})
