import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../../src/agents/agent.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { startParley } from '../agents/run-driver.ts'
import { freePort, REPO } from '../support/cli-process.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import type { FakeOpenAI } from '../support/fake-openai.ts'
import { startFakeOpenAI } from '../support/fake-openai.ts'
import { START_TIMEOUT_MS, useParleyProcesses } from '../support/parley-process.ts'

/**
 * An LLM gateway that answers 401 echoing the request's headers must not put the key into what
 * clients read (the run's `error`, its log) nor into the server's log; an endpoint that cannot be
 * reached must not tell clients where it is.
 */

const EXAMPLES = join(REPO, 'src/examples/index.ts')
const processes = useParleyProcesses()
let fake: FakeOpenAI
beforeAll(async () => {
  fake = await startFakeOpenAI()
})
afterAll(async () => {
  await fake?.close()
})

/** Starts simple_learning on `url`, answers its subject question, and follows it to its end: the run and its log. */
async function failedLearningRun(url: string) {
  const run = await startRun(url, 'simple_learning', { max_turns: 1 })
  await answer(url, run.id, (await nextQuestion(url, run.id)).id, 'Fractions')
  const log = await readLog(url, run.id)
  const finished = (await call(url, 'GET', `/v1/runs/${run.id}`)).body
  const listed = (await call(url, 'GET', '/v1/runs?limit=100')).body
  return { run: finished, log, seenByClients: JSON.stringify([finished, log, listed]) }
}

describe('an LLM endpoint answering 401 with the request headers in its body', () => {
  it(
    'fails the run with the status and a short redacted reason; neither the API nor the server log holds the key',
    async () => {
      const key = `sk-proj-${randomUUID().replaceAll('-', '')}`
      const first = fake.requests.length
      fake.otherwise((request) => ({
        status: 401,
        body: {
          error: { message: `Incorrect API key provided: ${request.headers.authorization}`, type: 'invalid_request_error' },
          request_headers: request.headers,
          padding: 'x'.repeat(1000),
        },
      }))
      const port = await freePort()
      const server = await processes.serve([EXAMPLES, '--store', 'memory'], port, {
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: key,
        PARLEY_LLM_MAX_RETRIES: '0',
      })

      const { run, log, seenByClients } = await failedLearningRun(server.url)

      expect(fake.requests[first]?.headers.authorization).toBe(`Bearer ${key}`) // the gateway did echo it
      expect(run.status).toBe('failed')
      expect(run.error.short).toMatch(/^LlmError: the LLM endpoint answered HTTP 401 after 1 attempt: /)
      expect(run.error.short).toContain('Incorrect API key provided: Bearer [REDACTED]')
      expect(run.error.short.length).toBeLessThan(300) // the 1 KB body is cut short
      expect(log.find((message) => message.type === 'error')?.content).toEqual(run.error)
      expect(seenByClients).not.toContain(key.slice(8))
      expect(seenByClients).not.toContain(fake.url.replace('/v1', '')) // nor where the endpoint is

      const output = server.output()
      expect(output).toContain(`parley: run ${run.id} (simple_learning) failed`)
      expect(output).toContain(fake.url) // the operator's log says which endpoint
      expect(output).not.toContain(key.slice(8))
      expect(output).toContain('[REDACTED]')
    },
    START_TIMEOUT_MS * 2,
  )

  it(
    'masks x-api-key and Bearer values in a plain-text body too',
    async () => {
      const key = `gw-${randomUUID()}`
      fake.otherwise((request) => ({
        status: 401,
        body: `unauthorized\nauthorization: ${request.headers.authorization}\nx-api-key: ${key}\n`,
      }))
      const port = await freePort()
      const server = await processes.serve([EXAMPLES, '--store', 'memory'], port, {
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: key, // no sk- prefix: masked because it is the configured key
        PARLEY_LLM_MAX_RETRIES: '0',
      })
      const { run, seenByClients } = await failedLearningRun(server.url)
      expect(run.error.short).toBe(
        'LlmError: the LLM endpoint answered HTTP 401 after 1 attempt: unauthorized authorization: [REDACTED] x-api-key: [REDACTED]',
      )
      expect(seenByClients).not.toContain(key)
      expect(server.output()).not.toContain(key)
    },
    START_TIMEOUT_MS * 2,
  )
})

describe('an LLM endpoint that cannot be reached', () => {
  it(
    'tells the client only that it cannot be reached; the server log names the host and port',
    async () => {
      const closed = await freePort() // nothing listens there
      const port = await freePort()
      const server = await processes.serve([EXAMPLES, '--store', 'memory'], port, {
        OPENAI_BASE_URL: `http://127.0.0.1:${closed}/v1`,
        OPENAI_API_KEY: 'sk-unused-0000000000',
        PARLEY_LLM_MAX_RETRIES: '0',
      })
      const { run, seenByClients } = await failedLearningRun(server.url)
      expect(run.status).toBe('failed')
      expect(run.error).toEqual({ short: 'LlmError: the LLM endpoint cannot be reached (1 attempt)', long: null })
      expect(seenByClients).not.toContain(`127.0.0.1:${closed}`)
      expect(seenByClients).not.toContain('ECONNREFUSED')
      expect(server.output()).toContain(`http://127.0.0.1:${closed}/v1 could not be reached`)
      expect(server.output()).toContain('ECONNREFUSED')
    },
    START_TIMEOUT_MS * 2,
  )

  it('does not name an internal host name that does not resolve', async () => {
    const ask = defineWorkflow({
      name: 'ask_internal',
      description: 'Asks a model on an internal host',
      params: z.object({ base_url: z.string() }),
      async run(_ui, params) {
        const llm = { baseURL: params.base_url, apiKey: 'sk-internal-0000000000', maxRetries: 0 }
        const user = new Agent({ name: 'User', llm: false })
        const assistant = new Agent({ name: 'Assistant', llm })
        return (await user.run(assistant, { message: 'Hello?', maxTurns: 1 })).summary
      },
    })
    const { server } = await startParley([ask])
    try {
      const run = await startRun(server.url, 'ask_internal', { base_url: 'http://llm-gateway.corp.invalid:8443/v1' })
      const log = await readLog(server.url, run.id)
      const failed = (await call(server.url, 'GET', `/v1/runs/${run.id}`)).body
      expect(failed.error).toEqual({ short: 'LlmError: the LLM endpoint cannot be reached (1 attempt)', long: null })
      expect(log.find((message) => message.type === 'error')?.content).toEqual(failed.error)
    } finally {
      await server.close()
    }
  })
})
