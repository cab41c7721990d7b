import type { Page, Route } from 'playwright-core'
import { expect, it } from 'vitest'
import { z } from 'zod'
import * as examples from '../../src/examples/index.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { QuestionExpiredError } from '../../src/runtime/errors.ts'
import {
  cancelRun,
  describeInBrowser,
  messagesOf,
  newContext,
  oneTo,
  openPage,
  renderedSeqs,
  startRun,
  useBrowserSession,
  waitForStatus,
} from './support.ts'

/** A text question with a default and no fallback: at its deadline the run is told nobody answered, and copes. */
const rename = defineWorkflow({
  name: 'rename',
  description: 'Asks for a new name, offering the current one, before a deadline',
  params: z.object({ timeout_seconds: z.int().min(1).default(3600) }),
  async run(ui, params) {
    try {
      const name = await ui.textInput({
        prompt: 'New name?',
        default: 'untitled',
        timeout_seconds: params.timeout_seconds,
        on_timeout: 'error',
      })
      return `renamed to ${name}`
    } catch (error) {
      if (!(error instanceof QuestionExpiredError)) throw error
      return 'name unchanged'
    }
  },
})

const { parley, browser, open } = useBrowserSession({ workflows: { ...examples, rename } })

/** Long enough to see the countdown before it runs out on a loaded machine; short enough to wait for. */
const SHORT_TIMEOUT_SECONDS = 6
/** Beyond any test's reach. */
const LONG_TIMEOUT_SECONDS = 3600
/** Generous: the deadline, then the server's timer and a long-poll on a busy 2-core box. */
const EXPIRY_WAIT_MS = 30_000

function startApproval(page: Page, timeoutSeconds: number): Promise<string> {
  return startRun(page, parley.url, 'approval', (p) => p.getByLabel('timeout_seconds').fill(String(timeoutSeconds)))
}

function isMessagesPoll(url: URL): boolean {
  return /\/v1\/runs\/[^/]+\/messages$/.test(url.pathname)
}

function isEventStream(url: URL): boolean {
  return /\/v1\/runs\/[^/]+\/events$/.test(url.pathname)
}

function expiryCard(page: Page) {
  return messagesOf(page, 'system_message').filter({ hasText: 'Question expired' })
}

/** What the expired question shows: its status line, its choices, its countdown, and the card. */
async function expiredState(page: Page) {
  const question = messagesOf(page, 'multiple_choice')
  return {
    status: await question.locator('.answer-status').textContent(),
    approveDisabled: await question.getByRole('button', { name: 'approve' }).isDisabled(),
    rejectDisabled: await question.getByRole('button', { name: 'reject' }).isDisabled(),
    timerVisible: await question.getByRole('timer').isVisible(),
    card: await expiryCard(page).locator('.expiry-outcome').textContent(),
    cardPrompt: await expiryCard(page).locator('.expired-prompt').textContent(),
  }
}

describeInBrowser('questions with a deadline', () => {
  it('counts down on an unanswered question, then shows it expired with the default taken, and the run goes on with it', async () => {
    const page = await open()
    await startApproval(page, SHORT_TIMEOUT_SECONDS)
    const question = messagesOf(page, 'multiple_choice')
    const timer = question.getByRole('timer')
    await timer.filter({ hasText: /^Answer within 0:0\d/ }).waitFor()
    expect(await timer.textContent()).toContain('then the default “reject” is taken')
    expect(await question.getByRole('button', { name: 'approve' }).isEnabled()).toBe(true)
    // It ticks: the time shown changes while the question waits.
    const first = await timer.textContent()
    await page.waitForFunction(
      ([seen]) => {
        const now = document.querySelector('.msg-multiple_choice [role="timer"]')
        return now !== null && now.textContent !== seen
      },
      [first],
    )

    await expiryCard(page).waitFor({ timeout: EXPIRY_WAIT_MS })
    await waitForStatus(page, 'completed', EXPIRY_WAIT_MS)
    expect(await expiredState(page)).toEqual({
      status: 'Expired — the default “reject” was taken',
      approveDisabled: true,
      rejectDisabled: true,
      timerVisible: false,
      card: 'Nobody answered in time; the default “reject” was taken.',
      cardPrompt: '“Approve: Deploy to production?”',
    })
    // Question, expiry, the verdict it led to, the result: in that order, and no reply.
    expect(await renderedSeqs(page)).toEqual(oneTo(5))
    expect(await page.$$eval('.log > li', (items) => items.map((item) => (item as HTMLElement).dataset.type))).toEqual([
      'workflow_started',
      'multiple_choice',
      'system_message',
      'text_message',
      'workflow_completed',
    ])
    expect(await messagesOf(page, 'text_message').locator('.msg-body').textContent()).toBe('Deploy to production: rejected')
    expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toBe('rejected')
  })

  it('stops the countdown once the question is answered in time', async () => {
    const page = await open()
    await startApproval(page, LONG_TIMEOUT_SECONDS)
    const question = messagesOf(page, 'multiple_choice')
    const timer = question.getByRole('timer')
    await timer.filter({ hasText: /^Answer within (1:00:00|59:\d\d)/ }).waitFor()

    await question.getByRole('button', { name: 'approve' }).click()
    await waitForStatus(page, 'completed')
    expect(await timer.isVisible()).toBe(false)
    expect(await question.locator('.answer-status').textContent()).toBe('Answered')
    expect(await question.getByRole('button', { name: 'approve' }).getAttribute('aria-pressed')).toBe('true')
    expect(await expiryCard(page).count()).toBe(0)
    expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toBe('approved')
  })

  it('shows an expired question the same after a reload, from the log alone', async () => {
    const page = await open()
    const runId = await startApproval(page, 1)
    await waitForStatus(page, 'completed', EXPIRY_WAIT_MS)
    const before = await expiredState(page)
    const seqs = await renderedSeqs(page)

    await page.reload()
    expect(new URL(page.url()).hash).toBe(`#/runs/${runId}`)
    await waitForStatus(page, 'completed')
    await expiryCard(page).waitFor()
    expect(await renderedSeqs(page)).toEqual(seqs)
    expect(await expiredState(page)).toEqual(before)
    expect(before.status).toBe('Expired — the default “reject” was taken')
  })

  it('prefills a text question with its default, which Enter sends as the answer', async () => {
    const page = await open()
    await startRun(page, parley.url, 'rename')
    const question = messagesOf(page, 'text_input')
    const input = question.getByRole('textbox', { name: 'New name?' })
    expect(await input.inputValue()).toBe('untitled')
    expect(await question.getByRole('timer').textContent()).toMatch(/^Answer within .* — then the run is told nobody answered$/)
    await input.press('Enter')
    await waitForStatus(page, 'completed')
    expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toBe('renamed to untitled')
  })

  it('shows a question that expired with on_timeout error as expired without an answer', async () => {
    const page = await open()
    await startRun(page, parley.url, 'rename', (p) => p.getByLabel('timeout_seconds').fill('1'))
    await expiryCard(page).waitFor({ timeout: EXPIRY_WAIT_MS })
    await waitForStatus(page, 'completed', EXPIRY_WAIT_MS)
    const question = messagesOf(page, 'text_input')
    expect(await question.locator('.answer-status').textContent()).toBe('Expired without an answer')
    expect(await question.getByRole('textbox', { name: 'New name?' }).isDisabled()).toBe(true)
    expect(await expiryCard(page).locator('.expiry-outcome').textContent()).toBe('Nobody answered in time; the run was told so.')
    expect(await expiryCard(page).locator('.expired-prompt').textContent()).toBe('“New name?”')
    expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toBe('name unchanged')
  })

  it('says "Time is up" and disables the choices when the browser’s clock reaches the deadline first', async () => {
    const context = await newContext(browser)
    try {
      await context.clock.install()
      const { page, errors } = await openPage(context)
      await startApproval(page, 120)
      const question = messagesOf(page, 'multiple_choice')
      const timer = question.getByRole('timer')
      await timer.filter({ hasText: /^Answer within (2:00|1:5\d)/ }).waitFor()

      await page.clock.fastForward('02:05')
      await timer.filter({ hasText: 'Time is up' }).waitFor()
      expect(await question.getByRole('button', { name: 'approve' }).isDisabled()).toBe(true)
      expect(await question.getByRole('button', { name: 'reject' }).isDisabled()).toBe(true)
      // The server has not expired it yet: no record of it, and the run still waits.
      expect(await expiryCard(page).count()).toBe(0)
      await waitForStatus(page, 'awaiting_input')

      await cancelRun(page)
      await waitForStatus(page, 'cancelled')
      // The cancel's answer sets the status at once; the question is closed when the log's last
      // message arrives, a moment later.
      await question.locator('.answer-status').filter({ hasText: 'Not answered: the run was cancelled' }).waitFor()
      expect(await timer.isVisible()).toBe(false)
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('refuses an answer that arrives after the deadline, keeps the choices disabled, then shows the expiry', async () => {
    const context = await newContext(browser)
    try {
      // Two hours behind the server, so the page's own countdown never runs out here.
      await context.clock.install({ time: Date.now() - 2 * 3600_000 })
      const { page, errors } = await openPage(context)
      // The page is told of the expiry only when the test lets it, after it has answered too late.
      let release = () => {}
      const released = new Promise<void>((resolve) => {
        release = resolve
      })
      let expiredOnServer = () => {}
      const expired = new Promise<void>((resolve) => {
        expiredOnServer = resolve
      })
      // The page is made to long-poll (as with a server without the event stream), so the test can hold that back.
      await page.route(isEventStream, (route: Route) =>
        route.fulfill({
          status: 404,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'urn:parley:problem:route_not_found',
            title: 'No such endpoint',
            status: 404,
            detail: 'No endpoint',
            code: 'route_not_found',
          }),
        }),
      )
      await page.route(isMessagesPoll, async (route: Route) => {
        const response = await route.fetch({ timeout: 0 })
        const body = await response.text()
        if (body.includes('question_expired')) {
          expiredOnServer()
          await released
        }
        await route.fulfill({ response, body })
      })
      await startApproval(page, 3)
      const question = messagesOf(page, 'multiple_choice')
      await question
        .getByRole('timer')
        .filter({ hasText: /^Answer within [12]:\d\d:\d\d/ })
        .waitFor()
      await expired

      await question.getByRole('button', { name: 'approve' }).click()
      const status = question.locator('.answer-status')
      await status.filter({ hasText: 'Too late' }).waitFor()
      expect(await status.textContent()).toBe('Too late: the question expired before this answer arrived')
      expect(await status.getAttribute('class')).toContain('error')
      expect(await question.getByRole('button', { name: 'approve' }).isDisabled()).toBe(true)
      expect(await question.getByRole('button', { name: 'reject' }).isDisabled()).toBe(true)

      release()
      await expiryCard(page).waitFor()
      await waitForStatus(page, 'completed')
      expect(await status.textContent()).toBe('Expired — the default “reject” was taken')
      expect(await messagesOf(page, 'reply').count()).toBe(0)
      expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toBe('rejected')
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })
})
