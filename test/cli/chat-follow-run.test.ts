import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createClient, ParleyApiError } from '../../clients/typescript/index.ts'
import { followRun } from '../../src/cli/chat/follow-run.ts'
import type { RunItem } from '../../src/cli/chat/run-items.ts'
import { echo } from '../../src/examples/message-types.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'

let app: ParleyApp
beforeEach(() => {
  app = createApp({ workflows: [echo] })
})
afterEach(async () => {
  await app.close()
})

/** What an older server answers for the event stream it does not have. */
const noStream = () =>
  Response.json(
    { type: 'about:blank', title: 'No such endpoint', status: 404, detail: 'No endpoint GET /events', code: 'route_not_found' },
    { status: 404, headers: { 'content-type': 'application/problem+json' } },
  )

/** A client of the in-process app; `withoutStream`: as if the server had no `/events` route. */
const clientOf = (withoutStream: boolean) =>
  createClient({
    baseUrl: 'http://parley.test',
    fetch: async (request) => (withoutStream && new URL(request.url).pathname.endsWith('/events') ? noStream() : await app.fetch(request)),
  })

async function collect(items: AsyncIterable<RunItem>): Promise<string[]> {
  const types: string[] = []
  for await (const item of items) types.push(item.type)
  return types
}

describe('following a run for parley chat', () => {
  it('reads the whole log over the event stream', async () => {
    const client = clientOf(false)
    const { data: run } = await client.startRun('echo', { text: 'hi' })
    if (!run) throw new Error('not started')
    expect(await collect(followRun(client, run.id, 0, new AbortController().signal))).toEqual([
      'workflow_started',
      'text_message',
      'workflow_completed',
    ])
  })

  it('falls back to the long-poll when the server has no event stream (404 route_not_found)', async () => {
    const client = clientOf(true)
    const { data: run } = await client.startRun('echo', { text: 'hi' })
    if (!run) throw new Error('not started')
    expect(await collect(followRun(client, run.id, 0, new AbortController().signal))).toEqual([
      'workflow_started',
      'text_message',
      'workflow_completed',
    ])
  })

  it('does not fall back for a run the server does not know: that 404 is the answer', async () => {
    const client = clientOf(false)
    const following = collect(followRun(client, '01a21f7c-0000-7000-8000-000000000000', 0, new AbortController().signal))
    await expect(following).rejects.toBeInstanceOf(ParleyApiError)
    await expect(following).rejects.toMatchObject({ status: 404, problem: { code: 'run_not_found' } })
  })
})
