import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Parley } from './support.ts'
import { describeInBrowser, launchBrowser, messagesOf, newContext, openPage, startParley, waitForStatus } from './support.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const API_KEY = 'chained-ui-key'

let api: Parley
let ui: { url: string; child: ChildProcessWithoutNullStreams; output: () => string }
let browser: Browser

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

/** `parley ui --api <api> --port <port>`, the real command, as a user starts it. */
async function startUiCommand(apiUrl: string, port: number): Promise<typeof ui> {
  const child = spawn(process.execPath, ['bin/parley.mjs', 'ui', '--api', apiUrl, '--port', String(port), '--host', '127.0.0.1'], {
    cwd: REPO,
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const deadline = Date.now() + 20_000
  while (!output.includes('parley ui: serving the web UI')) {
    if (child.exitCode !== null) throw new Error(`parley ui exited ${child.exitCode}:\n${output}`)
    if (Date.now() > deadline) throw new Error(`parley ui did not start:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { url: `http://127.0.0.1:${port}`, child, output: () => output }
}

beforeAll(async () => {
  const uiPort = await freePort()
  // The API allows the UI's origin (PARLEY_CORS_ORIGINS in `parley serve`) and wants an API key.
  api = await startParley({ corsOrigins: [`http://127.0.0.1:${uiPort}`], auth: { apiKeys: { [API_KEY]: 'alice' } } })
  ;[ui, browser] = await Promise.all([startUiCommand(api.url, uiPort), launchBrowser()])
})

afterAll(async () => {
  await browser?.close()
  if (ui && ui.child.exitCode === null) {
    const exited = new Promise((resolve) => ui.child.once('exit', resolve))
    ui.child.kill('SIGTERM')
    await exited
  }
  await api?.close()
})

describeInBrowser('chained mode: the UI on its own origin, talking to the API on another', () => {
  it('serves only the UI, pointing the page at the API', async () => {
    const page = await fetch(`${ui.url}/`)
    const html = await page.text()
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(html).toContain(`<meta name="parley-api" content="${api.url}">`)
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${api.url}`)
    expect((await fetch(`${ui.url}/v1/workflows`)).status).toBe(404)
  })

  it('the API answers the preflight of the UI’s requests, for the UI’s origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/v1/runs`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,idempotency-key,authorization',
        },
      })
    const allowed = await preflight(ui.url)
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ui.url)
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST')
    const headers = (allowed.headers.get('access-control-allow-headers') ?? '').toLowerCase()
    for (const header of ['content-type', 'idempotency-key', 'authorization']) expect(headers).toContain(header)
    expect((await preflight('http://evil.example')).headers.get('access-control-allow-origin')).toBeNull()
  })

  it('asks for the API key, then runs a workflow from start to result across origins', async () => {
    const context = await newContext(browser)
    const { page, errors } = await openPage(context)
    const requested: string[] = []
    page.on('request', (request) => requested.push(request.url()))
    await page.goto(`${ui.url}/`)

    // The API says 401 without a key: the page asks for one.
    await page.getByText('This API needs an API key.').waitFor()
    await page.getByLabel(/API key for/).fill(API_KEY)
    await page.getByRole('button', { name: 'Save' }).click()

    await page.getByRole('link', { name: /greet/ }).click()
    await page.getByRole('button', { name: 'Start run' }).click()
    await page.waitForURL(/#\/runs\//)
    await page.getByRole('button', { name: 'Ada' }).click()
    await page.getByRole('button', { name: 'good' }).click()
    await waitForStatus(page, 'completed')
    expect(errors, 'uncaught errors in the page').toEqual([])

    expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toBe('greeted Ada')
    expect(new URL(page.url()).origin).toBe(ui.url)
    const apiCalls = requested.filter((url) => url.includes('/v1/'))
    expect(apiCalls.length).toBeGreaterThan(3)
    expect(apiCalls.every((url) => url.startsWith(`${api.url}/v1/`))).toBe(true)

    // The run belongs to the key's user.
    const runs = (await (await api.app.request('/v1/runs', { headers: { Authorization: `Bearer ${API_KEY}` } })).json()) as {
      runs: { workflow: string; status: string }[]
    }
    expect(runs.runs).toEqual([expect.objectContaining({ workflow: 'greet', status: 'completed' })])
    await context.close()
  })
})
