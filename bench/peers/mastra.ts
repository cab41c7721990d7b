import type { HttpClient } from '../http-client.ts'
import { expectOk } from '../http-client.ts'
import type { PeerDefinition } from './peer.ts'

/**
 * Mastra 1.x: a workflow whose one step suspends for a human and is resumed with the answer,
 * served by @mastra/hono on @hono/node-server with in-memory storage. Pinned to the 1.x line
 * (an unpinned install resolves an old 0.x); it declares Node ≥ 22 but runs on 20.
 */

const SERVER = `import { serve } from '@hono/node-server'
import { Mastra } from '@mastra/core/mastra'
import { InMemoryStore } from '@mastra/core/storage'
import { createStep, createWorkflow } from '@mastra/core/workflows'
import { MastraServer } from '@mastra/hono'
import { Hono } from 'hono'
import { z } from 'zod'

const input = z.object({ topic: z.string() })
const output = z.object({ answer: z.string() })
const ask = createStep({
  id: 'ask',
  inputSchema: input,
  outputSchema: output,
  resumeSchema: output,
  suspendSchema: z.object({ prompt: z.string() }),
  execute: async ({ inputData, resumeData, suspend }) => {
    if (!resumeData) return suspend({ prompt: 'A question about ' + inputData.topic + '?' })
    return { answer: resumeData.answer }
  },
})
const oneQuestion = createWorkflow({ id: 'one_question', inputSchema: input, outputSchema: output }).then(ask).commit()
const mastra = new Mastra({ workflows: { one_question: oneQuestion }, storage: new InMemoryStore() })
const app = new Hono()
await new MastraServer({ app, mastra }).init()
const port = Number(process.env.PORT)
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log('mastra: serving on ' + port))
`

export const mastra: PeerDefinition = {
  name: 'mastra',
  packages: ['@mastra/core@1.71.0', '@mastra/hono@1.7.9', 'hono@4.13.19', '@hono/node-server@1.19.19', 'zod@4.6.7'],
  files: { 'server.mjs': SERVER },
  command: () => ['node', 'server.mjs'],
  env: { MASTRA_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
  readyPath: '/api/workflows',
  adapter: 'mastra',
}

/** start-async runs until the step suspends; resume-async runs it to the end. */
export async function mastraRoundTrip(http: HttpClient): Promise<void> {
  const started = await expectOk<{ status: string; runId: string }>(
    http.request('POST', '/api/workflows/one_question/start-async', { inputData: { topic: 'bench' } }),
    'start-async',
  )
  if (started.status !== 'suspended') throw new Error(`start-async: status ${started.status}, expected suspended`)
  const resumed = await expectOk<{ status: string }>(
    http.request('POST', `/api/workflows/one_question/resume-async?runId=${started.runId}`, { step: 'ask', resumeData: { answer: 'yes' } }),
    'resume-async',
  )
  if (resumed.status !== 'success') throw new Error(`resume-async: status ${resumed.status}, expected success`)
}
