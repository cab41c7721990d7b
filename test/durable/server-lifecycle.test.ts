import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { freePort, REPO } from '../support/cli-process.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun, untilHeldPolls } from '../support/contract-runs.ts'
import { cleanEnv, exitWithin, killHard, START_TIMEOUT_MS, useParleyProcesses } from '../support/parley-process.ts'

/** What a deploy does to a server: SIGTERM, a second server started beside it, a holder that died. */

const MODULE = join(REPO, 'test/support/durable-workflows.ts')
const processes = useParleyProcesses()
let dir: string
let db: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-lifecycle-'))
  db = join(dir, 'parley.db')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

async function health(url: string) {
  return (await call(url, 'GET', '/healthz')).body
}

describe('SIGTERM', () => {
  it(
    'with 50 active runs and 200 held polls: every poll answered, exit 0 within 10 s, every run carried on after the restart',
    async () => {
      const port = await freePort()
      // 200 polls held at once by one user (auth off): past the per-user default of 100, lifted here.
      let server = await processes.serve([MODULE, '--db', db], port, { PARLEY_MAX_HELD_POLLS_PER_USER: '0' })
      const quizzes = await Promise.all(Array.from({ length: 25 }, () => startRun(server.url, 'quiz_loop', { max_rounds: 1 })))
      const tickers = await Promise.all(Array.from({ length: 25 }, () => startRun(server.url, 'ticker', { count: 2, interval_ms: 8000 })))
      const questions = await Promise.all(quizzes.map((run) => nextQuestion(server.url, run.id)))
      for (const run of tickers) {
        while ((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body.last_seq < 2) await new Promise((r) => setTimeout(r, 20))
      }
      // Each run: its cursor at its newest message, four polls held on it.
      const cursors = await Promise.all(
        [...quizzes, ...tickers].map(async (run) => (await call(server.url, 'GET', `/v1/runs/${run.id}`)).body),
      )
      expect(cursors.every((run) => run.status === 'awaiting_input' || run.status === 'running')).toBe(true)
      const polls = cursors.flatMap((run) =>
        Array.from({ length: 4 }, () =>
          fetch(`${server.url}/v1/runs/${run.id}/messages?after=${run.last_seq}&wait=30`).then(
            async (response) => ({ status: response.status, page: await response.json() }),
            (error: Error) => ({ status: 0, page: error.message }),
          ),
        ),
      )
      await untilHeldPolls(server.url, 200)
      expect(await health(server.url)).toMatchObject({ executing_runs: 50, held_polls: 200 })

      server.child.kill('SIGTERM')
      expect(await exitWithin(server, 10_000)).toEqual({ code: 0, signal: null })
      const answered = await Promise.all(polls)
      expect(answered.filter((poll) => poll.status === 200)).toHaveLength(200)
      expect(
        answered.every((poll) => poll.page.messages.length === 0 && ['awaiting_input', 'running'].includes(poll.page.run_status)),
      ).toBe(true)

      // Each run waited (for a reply, or on a timer) when the server stopped: parked, it resumes when its reply or its timer comes.
      server = await processes.serve([MODULE, '--db', db], port)
      for (const [index, run] of quizzes.entries()) {
        expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body.pending_question?.id).toBe(questions[index]?.id)
        await answer(server.url, run.id, questions[index]?.id, 'note')
        await answer(server.url, run.id, (await nextQuestion(server.url, run.id)).id, 'stop')
      }
      for (const run of [...quizzes, ...tickers]) await readLog(server.url, run.id)
      const results = await Promise.all(
        [...quizzes, ...tickers].map(async (run) => (await call(server.url, 'GET', `/v1/runs/${run.id}`)).body),
      )
      expect(results.map((run) => run.status)).toEqual(Array(50).fill('completed'))
      expect(new Set(results.map((run) => run.result))).toEqual(new Set(['1 note(s): note', '2 ticks']))
    },
    START_TIMEOUT_MS * 4,
  )
})

describe('one server per SQLite file', () => {
  it(
    'refuses a second server on a live one’s file, leaves the first one’s runs alone, and lets a new one take over after SIGKILL',
    async () => {
      const first = await processes.serve([MODULE, '--db', db], await freePort())
      const run = await startRun(first.url, 'quiz_loop', { max_rounds: 1 })
      const question = await nextQuestion(first.url, run.id)

      const second = processes.run(['serve', MODULE, '--db', db, '--port', String(await freePort())], cleanEnv())
      expect((await exitWithin(second, START_TIMEOUT_MS)).code).toBe(1)
      const lines = second.output().trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(
        new RegExp(
          `^parley: ${escapeRegExp(resolve(db))} is in use by another parley server \\(pid ${first.child.pid} on .+, since .+\\); stop that server first, or give this one another file with --db$`,
        ),
      )

      // The first server and its run carry on untouched.
      expect((await call(first.url, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({
        status: 'awaiting_input',
        pending_question: { id: question.id },
      })
      await answer(first.url, run.id, question.id, 'still here')

      await killHard(first)
      const third = await processes.serve([MODULE, '--db', db], await freePort())
      await answer(third.url, run.id, (await nextQuestion(third.url, run.id)).id, 'stop')
      await readLog(third.url, run.id)
      expect((await call(third.url, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({
        status: 'completed',
        result: '1 note(s): still here',
      })
    },
    START_TIMEOUT_MS * 4,
  )
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
