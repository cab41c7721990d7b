import { afterEach, describe, expect, it } from 'vitest'
import { ticker } from '../../src/examples/ticker.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { call } from '../support/contract.ts'

/** The shipped examples run on public servers: none can be made to go on for days. */

let app: ParleyApp
afterEach(async () => {
  await app?.close()
})

const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((error) => error.field)
const startTicker = (params: Record<string, unknown>) => call(app, 'POST', '/v1/workflows/ticker/runs', { body: { params } })

describe('the ticker example', () => {
  it('refuses a count or an interval past its bounds (422 naming each)', async () => {
    app = createApp({ workflows: [ticker] })
    const refused = await startTicker({ count: 10_000, interval_ms: 60_000 })
    expect(refused.status).toBe(422)
    expect([...new Set(fields(refused.body))].sort()).toEqual(['body.params.count', 'body.params.interval_ms'])
  })

  it('refuses a run that would tick for more than ten minutes in all, and takes one of exactly ten', async () => {
    app = createApp({ workflows: [ticker] })
    const tooLong = await startTicker({ count: 1000, interval_ms: 10_000 })
    expect(tooLong.status).toBe(422)
    expect(tooLong.body.errors).toEqual([{ field: 'body.params.interval_ms', message: 'count × interval_ms may span at most 10 minutes' }])
    const viaCreateRun = await call(app, 'POST', '/v1/runs', { body: { workflow: 'ticker', params: { count: 62, interval_ms: 10_000 } } })
    expect(viaCreateRun.status).toBe(422)

    const longest = await startTicker({ count: 61, interval_ms: 10_000 })
    expect(longest.status).toBe(201)
    expect((await call(app, 'POST', `/v1/runs/${longest.body.id}/cancel`)).status).toBe(200)
  })
})
