import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Parley } from './support.ts'
import { describeInBrowser, startParley, useBrowserSession } from './support.ts'

const API_KEY = 'a-long-test-key-123'
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])
// Swagger UI's bundle is 1.5 MB of script to parse on a loaded two-core machine.
const RENDERED = { timeout: 30_000 }

const { parley, open } = useBrowserSession()

interface DocsPage {
  page: Page
  /** Requests the page tried to send off this machine (each one aborted). */
  offLoopback: string[]
  /** What Chromium printed as a console error: CSP violations, failed loads. */
  consoleErrors: string[]
}

/** Opens Swagger UI at `baseUrl/docs` with every request to another host aborted and recorded. */
async function openDocs(baseUrl: string): Promise<DocsPage> {
  const page = await open()
  const offLoopback: string[] = []
  const consoleErrors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  await page.route('**/*', (route) => {
    const url = route.request().url()
    if (LOOPBACK.has(new URL(url).hostname)) return route.continue()
    offLoopback.push(url)
    return route.abort('blockedbyclient')
  })
  await page.goto(`${baseUrl}/docs`)
  return { page, offLoopback, consoleErrors }
}

/** The operation's block, by the id Swagger UI gives it (`operations-<tag>-<operationId>`). */
function operation(page: Page, tag: string, operationId: string): Locator {
  return page.locator(`#operations-${tag}-${operationId}`)
}

/**
 * Expands the operation and presses "Try it out", leaving the example body Swagger UI fills in.
 * The example Idempotency-Key it fills in too is emptied: with it, a second create with the same
 * body would answer 200 with the first run instead of 201.
 */
async function tryItOut(block: Locator): Promise<void> {
  await block.locator('.opblock-summary-control').click()
  await block.getByRole('button', { name: 'Try it out' }).click()
  await block.locator('tr[data-param-name="idempotency-key"] input').fill('')
}

/** Presses "Execute" and returns the status of the response the server sent, as the page shows it. */
async function execute(block: Locator): Promise<string> {
  const status = block.locator('.live-responses-table .response-col_status:not(.col_header)')
  // A response from before stays on show until "Clear".
  const clear = block.getByRole('button', { name: 'Clear' })
  if (await clear.isVisible()) await clear.click()
  await status.waitFor({ state: 'detached' })
  await block.getByRole('button', { name: 'Execute' }).click()
  await status.waitFor(RENDERED)
  return (await status.textContent())?.trim() ?? ''
}

describeInBrowser('Swagger UI at /docs', () => {
  it('renders every operation of the document, loading nothing from off this machine, without CSP violations', async () => {
    const { page, offLoopback, consoleErrors } = await openDocs(parley.url)
    await operation(page, 'runs', 'createRun').waitFor(RENDERED)
    await operation(page, 'workflows', 'createGreetRun').waitFor()
    const document = parley.app.openapi()
    // The operations, and the requests the server makes to webhooks (OpenAPI 3.1's `webhooks`), rendered beside them.
    const operations = Object.values(document.paths ?? {}).flatMap((item) => Object.keys(item ?? {}))
    const webhooks = Object.values(document.webhooks ?? {}).flatMap((item) => Object.keys(item ?? {}))
    expect(webhooks).toHaveLength(3)
    expect(await page.locator('.opblock').count()).toBe(operations.length + webhooks.length)
    await expect.poll(() => page.getByText('run.finished', { exact: true }).count()).toBeGreaterThan(0)
    expect(offLoopback).toEqual([])
    expect(consoleErrors).toEqual([])
  })

  it('creates a run with createRun and with createGreetRun from their example bodies', async () => {
    const { page, offLoopback, consoleErrors } = await openDocs(parley.url)
    const createRun = operation(page, 'runs', 'createRun')
    await createRun.waitFor(RENDERED)
    await tryItOut(createRun)
    expect(await execute(createRun)).toBe('201')

    const createGreetRun = operation(page, 'workflows', 'createGreetRun')
    await tryItOut(createGreetRun)
    expect(await execute(createGreetRun)).toBe('201')
    expect(offLoopback).toEqual([])
    expect(consoleErrors).toEqual([])
  })
})

describeInBrowser('Swagger UI at /docs with API keys on', () => {
  let secured: Parley | undefined
  beforeAll(async () => {
    secured = await startParley({ auth: { apiKeys: { [API_KEY]: 'alice' } } })
  })
  afterAll(async () => {
    await secured?.close()
  })

  it('gets 401 before "Authorize", and 201 once the key is entered there', async () => {
    if (!secured) throw new Error('beforeAll starts the server')
    const { page, offLoopback, consoleErrors } = await openDocs(secured.url)
    const createRun = operation(page, 'runs', 'createRun')
    await createRun.waitFor(RENDERED)
    await tryItOut(createRun)
    expect(await execute(createRun)).toBe('401')

    await page.locator('.scheme-container').getByRole('button', { name: 'Authorize' }).click()
    const dialog = page.locator('.dialog-ux')
    await dialog.locator('.auth-container').filter({ hasText: 'bearerAuth' }).getByRole('textbox').fill(API_KEY)
    // Swagger UI labels the dialog's "Authorize" button so.
    await dialog.getByRole('button', { name: 'Apply credentials' }).click()
    await dialog.getByRole('button', { name: 'Close', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })

    expect(await execute(createRun)).toBe('201')
    expect(offLoopback).toEqual([])
    // The 401 is the one failed load Chromium reports; nothing else (no CSP violation).
    expect(consoleErrors).toEqual([expect.stringContaining('401')])
  })
})
