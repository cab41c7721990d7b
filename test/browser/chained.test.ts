import { afterAll, beforeAll, expect, it } from 'vitest'
import type { CliProcess } from '../support/cli-process.ts'
import { freePort, spawnParleyCli, waitForOutput } from '../support/cli-process.ts'
import { describeInBrowser, messagesOf, newContext, openPage, useBrowserSession, waitForStatus } from './support.ts'

const API_KEY = 'chained-ui-key-0123456789'

let uiPort: number
let ui: CliProcess & { url: string }

/** `parley ui --api <api> --port <port>`, the real command, as a user starts it. */
async function startUiCommand(apiUrl: string, port: number): Promise<typeof ui> {
  const cli = spawnParleyCli(['ui', '--api', apiUrl, '--port', String(port), '--host', '127.0.0.1'])
  await waitForOutput(cli, 'parley ui: serving the web UI', 20_000)
  return { ...cli, url: `http://127.0.0.1:${port}` }
}

// The hooks run in the order written (and the afterAll ones in reverse): the UI's port is chosen
// first, then the API starts allowing it, then the UI command starts pointing at the API.
beforeAll(async () => {
  uiPort = await freePort()
})
// The API allows the UI's origin (PARLEY_CORS_ORIGINS in `parley serve`) and wants an API key.
const { parley: api, browser } = useBrowserSession(() => ({
  corsOrigins: [`http://127.0.0.1:${uiPort}`],
  auth: { apiKeys: { [API_KEY]: 'alice' } },
}))
beforeAll(async () => {
  ui = await startUiCommand(api.url, uiPort)
})
afterAll(async () => {
  if (ui && ui.child.exitCode === null) {
    ui.child.kill('SIGTERM')
    await ui.exited
  }
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
