import { afterEach, beforeEach, expect, it } from 'vitest'
import type { CliProcess } from '../support/cli-process.ts'
import { waitForOutput } from '../support/cli-process.ts'
import { describeWithPostgres, useCluster } from '../support/cluster.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { conversationOf, requestKey, tutorReply } from '../support/durable-runs.ts'
import type { FakeOpenAI } from '../support/fake-openai.ts'
import { startFakeOpenAI } from '../support/fake-openai.ts'
import type { ServerProcess } from '../support/parley-process.ts'
import { killHard, START_TIMEOUT_MS } from '../support/parley-process.ts'
import { waitFor } from '../support/wait-for.ts'
import type { Witness } from '../support/witness.ts'
import { startWitness } from '../support/witness.ts'

/**
 * A worker dies (SIGKILL) or freezes (SIGSTOP) with runs in hand: when its leases lapse, the other
 * worker takes each run over by replaying its journal. Leases last 1.5 s here.
 */

let openai: FakeOpenAI
let witness: Witness
beforeEach(async () => {
  openai = await startFakeOpenAI()
  openai.otherwise(tutorReply)
  witness = await startWitness()
})
afterEach(async () => {
  await openai.close()
  await witness.close()
})

const cluster = useCluster({ PARLEY_LEASE_MS: '1500', PARLEY_LLM_MAX_RETRIES: '0', OPENAI_API_KEY: 'test-key' })
const withModel = () => ({ OPENAI_BASE_URL: openai.url })

/** One API and two workers; `holder` is the worker executing `runId`, `other` the one that is not. */
async function twoWorkers() {
  const [api, first, second] = await Promise.all([cluster.api(withModel()), cluster.worker(withModel()), cluster.worker(withModel())])
  if (!api || !first || !second) throw new Error('not started')
  const workers = [first, second]
  const split = (runId: string): Promise<{ holder: CliProcess; other: CliProcess }> =>
    waitFor(async () => {
      const pid = await cluster.holderOf(runId)
      const holder = workers.find((worker) => worker.child.pid === pid)
      const other = workers.find((worker) => worker !== holder)
      return holder && other ? { holder, other } : undefined
    }, `a worker holding run ${runId}`)
  return { api, split }
}

/** Waits for the run's log to reach `seq`. */
async function untilSeq(api: ServerProcess, runId: string, seq: number): Promise<void> {
  await waitFor(async () => (await call(api.url, 'GET', `/v1/runs/${runId}`)).body.last_seq >= seq, `run ${runId} at seq ${seq}`)
}

describeWithPostgres('a worker that dies or freezes with runs in hand', () => {
  it(
    'SIGKILL while its runs await input: the other worker takes them over, and they finish when answered',
    async () => {
      const { api, split } = await twoWorkers()
      const runs = await Promise.all(Array.from({ length: 6 }, () => startRun(api.url, 'quiz_loop', { max_rounds: 1 })))
      const questions = await Promise.all(runs.map((run) => nextQuestion(api.url, run.id)))
      const { holder } = await split(runs[0]?.id ?? '')
      await killHard(holder)

      for (const [index, run] of runs.entries()) {
        expect((await call(api.url, 'GET', `/v1/runs/${run.id}`)).body.pending_question?.id).toBe(questions[index]?.id)
        await answer(api.url, run.id, questions[index]?.id, `note ${index}`)
        await answer(api.url, run.id, (await nextQuestion(api.url, run.id)).id, 'stop')
        expect((await readLog(api.url, run.id)).at(-1)?.content.result).toBe(`1 note(s): note ${index}`)
      }
    },
    START_TIMEOUT_MS * 3,
  )

  it(
    'SIGKILL mid two-agent chat: the other worker finishes it; only the completion in flight is requested twice',
    async () => {
      const { api, split } = await twoWorkers()
      const reference = await startRun(api.url, 'agent_chat', { witness: witness.url, max_turns: 2 })
      await answer(api.url, reference.id, (await nextQuestion(api.url, reference.id)).id, 'fractions')
      const referenceLog = await readLog(api.url, reference.id)
      const referenceRequests = openai.requests.map(requestKey)

      const hangAt = referenceRequests.length + 2
      openai.otherwise((request) => (request.index === hangAt ? { hang: true } : tutorReply(request)))
      const run = await startRun(api.url, 'agent_chat', { witness: witness.url, max_turns: 2 })
      await answer(api.url, run.id, (await nextQuestion(api.url, run.id)).id, 'fractions')
      await openai.waitForRequests(hangAt + 1, 20_000)
      await killHard((await split(run.id)).holder)

      const log = await readLog(api.url, run.id)
      expect(conversationOf(log)).toEqual(conversationOf(referenceLog))
      const requests = openai.requests.slice(referenceRequests.length).map(requestKey)
      expect(requests.filter((key, index) => requests.indexOf(key) !== index)).toEqual([requestKey(openai.requests[hangAt] as never)])
      expect([...new Set(requests)]).toEqual(referenceRequests)
      expect(witness.count('look_up fractions')).toBe(2)
    },
    START_TIMEOUT_MS * 3,
  )

  it(
    'SIGKILL inside ctx.sleep: the other worker wakes the run when its timer is due, every tick once',
    async () => {
      const { api, split } = await twoWorkers()
      const run = await startRun(api.url, 'ticker', { count: 4, interval_ms: 1000 })
      await untilSeq(api, run.id, 3)
      await killHard((await split(run.id)).holder)
      const ticks = (await readLog(api.url, run.id)).filter((message) => message.type === 'text_message')
      expect(ticks.map((message) => message.content.body)).toEqual(['tick 1/4', 'tick 2/4', 'tick 3/4', 'tick 4/4'])
    },
    START_TIMEOUT_MS * 3,
  )

  it(
    'SIGSTOP past its lease: the other worker takes the run over, and after SIGCONT the first one writes nothing',
    async () => {
      const { api, split } = await twoWorkers()
      const run = await startRun(api.url, 'ticker', { count: 4, interval_ms: 1200 })
      await untilSeq(api, run.id, 2)
      const { holder, other } = await split(run.id)
      holder.child.kill('SIGSTOP')
      try {
        // The lease lapses (1.5 s), the other worker claims the run and carries on.
        await waitFor(async () => (await cluster.holderOf(run.id)) === other.child.pid, 'the run taken over', { everyMs: 50 })
      } finally {
        holder.child.kill('SIGCONT')
      }
      const ticks = (await readLog(api.url, run.id)).filter((message) => message.type === 'text_message')
      expect(ticks.map((message) => message.content.body)).toEqual(['tick 1/4', 'tick 2/4', 'tick 3/4', 'tick 4/4'])
      // The frozen worker woke with a stale lease: its next write was refused, and it stopped.
      await waitForOutput(holder, /lost its lease on run|is executed by another worker now/, 10_000)
      expect((await readLog(api.url, run.id)).length).toBe(6)
    },
    START_TIMEOUT_MS * 3,
  )

  it(
    'a cancel on the API process reaches the worker executing the run: its LLM request is aborted',
    async () => {
      const { api } = await twoWorkers()
      openai.otherwise((request) => (request.index === 0 ? { hang: true } : tutorReply(request)))
      const run = await startRun(api.url, 'agent_chat', { witness: witness.url })
      await answer(api.url, run.id, (await nextQuestion(api.url, run.id)).id, 'fractions')
      await openai.waitForRequests(1, 20_000)
      expect((await call(api.url, 'POST', `/v1/runs/${run.id}/cancel`)).status).toBe(200)
      await openai.waitForClientClose(0, 10_000)
      expect((await call(api.url, 'GET', `/v1/runs/${run.id}`)).body.status).toBe('cancelled')
    },
    START_TIMEOUT_MS * 3,
  )
})
