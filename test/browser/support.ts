import { existsSync } from 'node:fs'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest'
import * as examples from '../../src/examples/index.ts'
import type { CreateAppOptions, ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { mountWebUI } from '../../src/http/web-ui.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import { LateBound } from '../support/late-bound.ts'

/** Debian's chromium (`apt-get install -y chromium`); playwright-core drives it, no download. */
export const CHROMIUM_PATH = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
]
const ON_CI = process.env.CI === 'true' || process.env.CI === '1'
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH)

if (!HAS_CHROMIUM && !ON_CI) {
  console.warn(`browser tests skipped: no ${CHROMIUM_PATH} (install it with: apt-get install -y chromium). On CI they fail instead.`)
}

/** `describe` when Chromium is there, or on CI (where a missing browser must fail, not skip); else skipped. */
export const describeInBrowser = HAS_CHROMIUM || ON_CI ? describe : describe.skip

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
}

export interface Parley {
  app: ParleyApp
  server: RunningServer
  url: string
  close(): Promise<void>
}

/** The real server on loopback port 0 with the web UI at `/`: the example workflows, a memory store. */
export async function startParley(options: Partial<CreateAppOptions> = {}): Promise<Parley> {
  const app = createApp({ workflows: examples, store: createMemoryStore(), mountUI: mountWebUI, ...options })
  const server = await serve(app, { port: 0 })
  return { app, server, url: server.url, close: () => server.close() }
}

export interface BrowserSession {
  /** The server the file's tests drive, from its `beforeAll` on. */
  parley: Parley
  browser: Browser
  /** A new page in the file's context; after the test it is checked for uncaught script errors, then closed. */
  open(): Promise<Page>
}

/**
 * Registers the hooks of a browser test file: Parley (with `options`, or what the function returns
 * when `beforeAll` runs) and Chromium started once, one context, and after each test every page
 * `open()` gave checked for uncaught errors and closed.
 *
 * @example
 * const { parley, open } = useBrowserSession()
 * it('echoes', async () => { await startRun(await open(), parley.url, 'echo') })
 */
export function useBrowserSession(options: Partial<CreateAppOptions> | (() => Partial<CreateAppOptions>) = {}): BrowserSession {
  const parley = new LateBound<Parley>('parley')
  const browser = new LateBound<Browser>('the browser')
  let context: BrowserContext | undefined
  const pages: { page: Page; errors: string[] }[] = []

  beforeAll(async () => {
    ;[parley.current, browser.current] = await Promise.all([
      startParley(typeof options === 'function' ? options() : options),
      launchBrowser(),
    ])
    context = await newContext(browser.current)
  })
  afterAll(async () => {
    await browser.current?.close()
    await parley.current?.close()
  })
  afterEach(async () => {
    for (const { page, errors } of pages.splice(0)) {
      expect(errors, 'uncaught errors in the page').toEqual([])
      await page.close()
    }
  })

  async function open(): Promise<Page> {
    if (!context) throw new Error('open() is for tests: the browser context is made in beforeAll')
    const opened = await openPage(context)
    pages.push(opened)
    return opened.page
  }
  return { parley: parley.value, browser: browser.value, open }
}

/** A browser context (a fresh profile) at laptop size by default. */
export async function newContext(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, colorScheme: 'light' })
  // Under the test timeout, so a missing element fails with its locator named.
  context.setDefaultTimeout(10_000)
  return context
}

/** A page that records uncaught script errors, so a test can say there were none. */
export async function openPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  return { page, errors }
}

/**
 * Opens a workflow's start form in the page, lets `fill` change it, presses "Start run" and
 * waits for the conversation; returns the run id from the URL.
 */
export async function startRun(page: Page, baseUrl: string, workflow: string, fill?: (page: Page) => Promise<unknown>): Promise<string> {
  await page.goto(`${baseUrl}/#/workflows/${workflow}`)
  await page.locator('form.start-form').waitFor()
  await fill?.(page)
  await page.getByRole('button', { name: 'Start run' }).click()
  await page.waitForURL(/#\/runs\//)
  const runId = decodeURIComponent(new URL(page.url()).hash.replace('#/runs/', ''))
  await page.locator('.log [data-type="workflow_started"]').waitFor()
  return runId
}

/** The rendered messages of one type in the conversation. */
export function messagesOf(page: Page, type: string): Locator {
  return page.locator(`.log > li[data-type="${type}"]`)
}

/** Waits until the run's status badge says `status`. */
export async function waitForStatus(page: Page, status: string, timeout = 15_000): Promise<void> {
  await page.locator(`.run-actions .status.status-${status}`).waitFor({ timeout })
}

/** Cancels the run the page shows, as a user does: "Cancel run", then "Yes, cancel the run" in the page's confirmation. */
export async function cancelRun(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Cancel run' }).click()
  await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, cancel the run' }).click()
}

/** The seq of every rendered message, in page order. */
export function renderedSeqs(page: Page): Promise<number[]> {
  return page.$$eval('.log > li', (items) => items.map((item) => Number((item as HTMLElement).dataset.seq)))
}

/** 1, 2, …, n */
export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index + 1)
}

/** The `<dl class="kv">` of a message as an object: what a system message or the params show. */
export function definitions(message: Locator): Promise<Record<string, string>> {
  return message.locator('dl.kv').evaluate((list) => {
    const terms = Array.from(list.querySelectorAll('dt'))
    return Object.fromEntries(terms.map((term) => [term.textContent ?? '', term.nextElementSibling?.textContent ?? '']))
  })
}
