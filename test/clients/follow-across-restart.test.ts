import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Message } from '../../clients/typescript/index.ts'
import { createClient } from '../../clients/typescript/index.ts'
import { ticker } from '../../src/examples/ticker.ts'
import { createApp } from '../../src/http/app.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { contractFetch } from '../support/contract.ts'

let dir: string
let server: RunningServer | undefined
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-client-restart-'))
})
afterEach(async () => {
  await server?.close()
  server = undefined
  rmSync(dir, { recursive: true, force: true })
})

/** One server process over the SQLite file in `dir`. */
const boot = (port: number) => serve(createApp({ workflows: [ticker], store: createSqliteStore(join(dir, 'parley.db')) }), { port })

describe('the TypeScript client across a server restart', () => {
  it('keeps following the run through the outage, which the run survives: each message once, to its end', async () => {
    server = await boot(0)
    const { port, url } = server
    let failedPolls = 0
    const checked = contractFetch((request) => fetch(request))
    const client = createClient({
      baseUrl: url,
      fetch: (request) =>
        checked(request).catch((error: unknown) => {
          failedPolls++
          throw error
        }),
    })
    const { data: run } = await client.startRun('ticker', { count: 3, interval_ms: 1500 })
    if (!run) throw new Error('no run')

    const seen: Message[] = []
    let restarted: Promise<void> | undefined
    for await (const message of client.messages(run.id, { wait: 30 })) {
      seen.push(message)
      if (message.type === 'text_message' && !restarted) {
        // While the next poll is held (and the run sleeps), the server stops and a new one takes the same file and port.
        restarted = new Promise((resolve) => setTimeout(resolve, 100)).then(async () => {
          await server?.close()
          server = await boot(port)
        })
      }
    }
    await restarted

    expect(failedPolls).toBeGreaterThanOrEqual(1)
    expect(seen.map((message) => message.seq)).toEqual(seen.map((_, index) => index + 1))
    expect(seen.map((message) => (message.type === 'text_message' ? message.content.body : message.type))).toEqual([
      'workflow_started',
      'tick 1/3',
      'tick 2/3',
      'tick 3/3',
      'workflow_completed',
    ])
    const { data: settled } = await client.GET('/v1/runs/{run_id}', { params: { path: { run_id: run.id } } })
    expect(settled).toMatchObject({ status: 'completed', result: '3 ticks' })
  })
})
