import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as examples from '../../src/examples/index.ts'
import { createApp } from '../../src/http/app.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import { runCommand } from '../support/run-command.ts'

const PYTHON_DIR = fileURLToPath(new URL('../../clients/python/', import.meta.url))
const API_KEY = 'python-client-test-key'
const TIMEOUT_MS = 90_000

const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' })
const hasPython = probe.error === undefined && probe.status === 0
const onCI = process.env.CI === 'true'
if (!hasPython && !onCI) console.warn('python-client.test.ts: python3 not found, skipping the Python client tests')

describe.runIf(hasPython)('clients/python against a real server', () => {
  let server: RunningServer

  beforeAll(async () => {
    const app = createApp({ workflows: examples, store: createMemoryStore(), auth: { apiKeys: { [API_KEY]: 'python' } } })
    server = await serve(app, { port: 0 })
  })

  afterAll(async () => {
    await server?.close()
  })

  it(
    'passes its unittest suite (workflows, greet with questions, multi-select, cancel, errors, pagination, the event stream, webhooks)',
    async () => {
      const result = await runCommand('python3', ['-m', 'unittest', '-v', 'test_parley_client'], {
        cwd: PYTHON_DIR,
        env: { ...process.env, PARLEY_URL: server.url, PARLEY_API_KEY: API_KEY, PYTHONDONTWRITEBYTECODE: '1' },
        timeoutMs: TIMEOUT_MS - 5_000,
      })
      if (result.code !== 0) console.error(result.output)
      expect(result.signal, 'python3 was killed (timeout)').toBeNull()
      expect(result.code).toBe(0)
      expect(result.output).toMatch(/^Ran \d+ tests/m)
      // Plain "OK": with PARLEY_URL and PARLEY_API_KEY set, nothing may be skipped.
      expect(result.output).toMatch(/^OK$/m)
    },
    TIMEOUT_MS,
  )

  it(
    'reads Server-Sent Events as the HTML standard says, and streams against scripted servers (early ends, 5xx, 404, text_delta)',
    async () => {
      const result = await runCommand('python3', ['-m', 'unittest', '-v', 'test_event_stream'], {
        cwd: PYTHON_DIR,
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
        timeoutMs: TIMEOUT_MS - 5_000,
      })
      if (result.code !== 0) console.error(result.output)
      expect(result.signal, 'python3 was killed (timeout)').toBeNull()
      expect(result.code).toBe(0)
      expect(result.output).toMatch(/^Ran \d+ tests/m)
      expect(result.output).toMatch(/^OK$/m)
    },
    TIMEOUT_MS,
  )

  it(
    'drops Authorization when a redirect leads to another origin (a loopback server on another port), keeps it within the origin',
    async () => {
      const result = await runCommand('python3', ['-m', 'unittest', '-v', 'test_redirects'], {
        cwd: PYTHON_DIR,
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
        timeoutMs: TIMEOUT_MS - 5_000,
      })
      if (result.code !== 0) console.error(result.output)
      expect(result.code).toBe(0)
      expect(result.output).toMatch(/^Ran 2 tests/m)
      expect(result.output).toMatch(/^OK$/m)
    },
    TIMEOUT_MS,
  )
})

describe.runIf(!hasPython && onCI)('clients/python on CI', () => {
  it('needs python3, which CI must provide', () => {
    expect.fail(`python3 is not available (${probe.error?.message ?? `exit ${probe.status}`}); CI must run the Python client tests`)
  })
})
