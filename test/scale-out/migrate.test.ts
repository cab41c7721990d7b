import { expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/store/postgres/migrations.ts'
import { freePort } from '../support/cli-process.ts'
import { describeWithPostgres, useCluster } from '../support/cluster.ts'
import { answer, finished, nextQuestion, startRun } from '../support/contract-runs.ts'
import { exitWithin, START_TIMEOUT_MS } from '../support/parley-process.ts'

/** `parley migrate`, as a deploy runs it before rolling out servers and workers. */

const cluster = useCluster()

describeWithPostgres('parley migrate', () => {
  it(
    'brings a new schema to the current version once, says so the second time, and servers started on it work',
    async () => {
      const first = cluster.command(['migrate'])
      expect(await exitWithin(first, START_TIMEOUT_MS)).toEqual({ code: 0, signal: null })
      const versions = MIGRATIONS.map((_, index) => index + 1).join(', ')
      expect(first.output().trim()).toBe(`parley: schema ${cluster.schema} migrated to version ${MIGRATIONS.length} (applied ${versions})`)

      const second = cluster.command(['migrate'])
      expect(await exitWithin(second, START_TIMEOUT_MS)).toEqual({ code: 0, signal: null })
      expect(second.output().trim()).toBe(`parley: schema ${cluster.schema} is up to date (version ${MIGRATIONS.length})`)

      const [api] = await Promise.all([cluster.api(), cluster.worker()])
      if (!api) throw new Error('not started')
      const run = await startRun(api.url, 'quiz_loop', { max_rounds: 1 })
      await answer(api.url, run.id, (await nextQuestion(api.url, run.id)).id, 'migrated')
      await answer(api.url, run.id, (await nextQuestion(api.url, run.id)).id, 'stop')
      expect(await finished(api.url, run.id)).toMatchObject({ status: 'completed', result: '1 note(s): migrated' })
    },
    START_TIMEOUT_MS * 3,
  )

  it(
    'with PostgreSQL out of reach: one line that says so, exit code 1, no stack trace',
    async () => {
      const nobody = `postgres://postgres@127.0.0.1:${await freePort()}/test`
      const refused = cluster.command(['migrate'], { DATABASE_URL: nobody })
      expect(await exitWithin(refused, START_TIMEOUT_MS)).toEqual({ code: 1, signal: null })
      expect(refused.output().trim()).toMatch(/^parley: the database cannot be reached \(.*ECONNREFUSED.*\)$/)
    },
    START_TIMEOUT_MS * 2,
  )
})
