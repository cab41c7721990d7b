/**
 * Takes the README's screenshots of the web UI: a finished `greet` conversation at laptop width
 * (docs/screenshot.png) and at phone width (docs/screenshot-phone.png).
 *
 *   npx tsx scripts/screenshot.ts
 *
 * Needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium).
 */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import * as examples from '../src/examples/index.ts'
import { createApp } from '../src/http/app.ts'
import { mountWebUI } from '../src/http/web-ui.ts'
import { serve } from '../src/server.ts'
import { createMemoryStore } from '../src/store/memory/memory-store.ts'

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url))

const app = createApp({ workflows: examples, store: createMemoryStore(), mountUI: mountWebUI })
const server = await serve(app, { port: 0 })
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
})
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, colorScheme: 'light' })
  const page = await context.newPage()

  // A little history for the past-runs list.
  for (const workflow of ['calculator', 'echo']) {
    await page.goto(`${server.url}/#/workflows/${workflow}`)
    await page.getByRole('button', { name: 'Start run' }).click()
    await page.locator('.run-actions .status-completed').waitFor()
  }

  await page.goto(`${server.url}/#/workflows/greet`)
  await page.getByLabel('greeting').fill('Welcome')
  await page.getByRole('button', { name: 'Start run' }).click()
  await page.getByRole('button', { name: 'Ada' }).click()
  await page.getByRole('button', { name: 'good' }).click()
  await page.locator('.run-actions .status-completed').waitFor()
  await page.locator('.run-list a[aria-current="page"] .status-completed').waitFor()
  await page.mouse.move(0, 0)
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())

  mkdirSync(DOCS, { recursive: true })
  await page.screenshot({ path: `${DOCS}screenshot.png` })

  // The same run reopened on a phone: the log replays and scrolls to the end.
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    isMobile: true,
  })
  const phonePage = await phone.newPage()
  await phonePage.goto(page.url())
  await phonePage.locator('.log [data-type="workflow_completed"]').waitFor()
  await phonePage.screenshot({ path: `${DOCS}screenshot-phone.png` })
  console.log(`screenshots: ${DOCS}screenshot.png, ${DOCS}screenshot-phone.png`)
} finally {
  await browser.close()
  await server.close()
}
