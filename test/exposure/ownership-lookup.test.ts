import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { greet } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import type { Store } from '../../src/store/store.ts'
import { pendingQuestion } from '../support/app-requests.ts'
import type { OpenedStore } from '../support/store-backends.ts'
import { STORE_BACKENDS } from '../support/store-backends.ts'

const ALICE = 'key-alice-0123456789'
const BOB = 'key-bob-0123456789ab'
const MISSING = 'f0f0f0f0-0000-4000-8000-000000000000'

/** The store, recording the arguments of every run lookup a request makes. */
function recording(store: Store) {
  const lookups: { method: string; args: unknown[] }[] = []
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver)
      if ((name === 'getRun' || name === 'readPage' || name === 'getQuestion') && typeof value === 'function') {
        return (...args: unknown[]) => {
          lookups.push({ method: name, args })
          return value.apply(target, args)
        }
      }
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { store: proxy, lookups }
}

/** Status, headers (but the date) and the body's bytes, with the run id in them made anonymous. */
async function raw(app: ParleyApp, method: string, path: string, key: string, body?: unknown, id = '') {
  const response = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const headers = [...response.headers].filter(([name]) => name !== 'date')
  const text = await response.text()
  return { status: response.status, headers, text: id === '' ? text : text.replaceAll(id, '<id>') }
}

describe.each(STORE_BACKENDS)('another user’s run, looked up with the user ($name store)', ({ open }) => {
  let opened: OpenedStore
  let app: ParleyApp
  let lookups: { method: string; args: unknown[] }[]
  beforeEach(() => {
    opened = open()
    const spy = recording(opened.store)
    lookups = spy.lookups
    app = createApp({ workflows: [greet], store: spy.store, auth: { apiKeys: { [ALICE]: 'alice', [BOB]: 'bob' } } })
  })
  afterEach(async () => {
    await app.close()
    await opened.dispose()
  })

  it('gets a 404 byte for byte the one for a missing run, on getRun, listMessages, replyToQuestion and cancelRun', async () => {
    const created = await app.request('/v1/runs', {
      method: 'POST',
      headers: { authorization: `Bearer ${ALICE}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: 'greet' }),
    })
    const runId = ((await created.json()) as { id: string }).id
    const question = await pendingQuestion(app, runId, { key: ALICE })
    const operations = (id: string): [string, string, unknown?][] => [
      ['GET', `/v1/runs/${id}`],
      ['GET', `/v1/runs/${id}/messages?after=0&wait=0`],
      ['POST', `/v1/runs/${id}/replies`, { question_id: question.id, answer: 'Mallory' }],
      ['POST', `/v1/runs/${id}/cancel`],
    ]
    lookups.length = 0
    for (const [i, [method, path, body]] of operations(runId).entries()) {
      const hers = await raw(app, method, path, BOB, body, runId)
      const [, missingPath, missingBody] = operations(MISSING)[i] ?? []
      const nobodys = await raw(app, method, missingPath ?? '', BOB, missingBody, MISSING)
      expect(hers.status, path).toBe(404)
      expect(hers, path).toEqual(nobodys)
    }
    // Every lookup Bob's requests made carried Bob: the store filtered, nothing was compared after.
    expect(lookups.length).toBeGreaterThanOrEqual(8)
    for (const lookup of lookups) expect(lookup.args, lookup.method).toContain('bob')

    const run = await raw(app, 'GET', `/v1/runs/${runId}`, ALICE)
    expect(run.status).toBe(200)
    expect(JSON.parse(run.text)).toMatchObject({ status: 'awaiting_input' })
  })
})
