import type { BrowserContext, Page } from 'playwright-core'
import { afterEach, expect, it } from 'vitest'
import { waitFor } from '../support/wait-for.ts'
import { describeInBrowser, newContext, openPage, useBrowserSession } from './support.ts'

/**
 * The inbox view and the header's count: alice answers, in place, a question bob's run assigned to
 * her, and finds her own runs' questions with a link to the run. Auth is on, so who asks and who
 * answers are two users, each with their own key.
 */

const KEYS = { alice: 'key-alice-0123456789', bob: 'key-bob-01234567890' } as const
type User = keyof typeof KEYS

const { parley, browser } = useBrowserSession({
  auth: { apiKeys: { [KEYS.alice]: 'alice', [KEYS.bob]: 'bob' } },
  limits: { runsPerMinute: 0 },
})

// What the API says, as a client with the user's key sees it.
async function api(user: User, method: string, path: string, body?: unknown) {
  const response = await fetch(`${parley.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEYS[user]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  // biome-ignore lint/suspicious/noExplicitAny: the contract tests check these shapes; here only a few fields are read
  return { status: response.status, body: (await response.json()) as any }
}

/** Starts a run as `user` and waits until it asks its first question; returns the run with its pending question. */
async function runAwaitingInput(user: User, workflow: string, params: Record<string, unknown>) {
  const created = await api(user, 'POST', '/v1/runs', { workflow, params })
  expect(created.status).toBe(201)
  return waitFor(async () => {
    const run = (await api(user, 'GET', `/v1/runs/${created.body.id}`)).body
    return run.pending_question ? run : undefined
  }, `${workflow} asks its question`)
}

/** Waits until the run is over, as its owner sees it. */
function finishedRun(user: User, runId: string) {
  return waitFor(async () => {
    const run = (await api(user, 'GET', `/v1/runs/${runId}`)).body
    return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined
  }, `run ${runId} finishes`)
}

const contexts: BrowserContext[] = []
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close()
})

/**
 * alice's page in a fresh browser profile: the API answers 401 without a key, the page asks for one
 * and she gives hers. Returns the page and the console errors logged from then on, and page errors.
 */
async function alicesPage(): Promise<{ page: Page; consoleErrors: string[]; errors: string[] }> {
  const context = await newContext(browser)
  contexts.push(context)
  const { page, errors } = await openPage(context)
  await page.goto(`${parley.url}/`)
  await page.getByText('This API needs an API key.').waitFor()
  await page.getByLabel(/API key for/).fill(KEYS.alice)
  await page.getByRole('button', { name: 'Save' }).click()
  // The 401s before the key are the browser's to log; what comes after must be clean.
  const consoleErrors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  await page.locator('a[data-workflow="greet"]').waitFor()
  return { page, consoleErrors, errors }
}

const count = (page: Page, text: string) => page.locator(`#inbox-count[data-count="${text}"]`).waitFor({ state: 'attached' })
const inboxItem = (page: Page, workflow: string) =>
  page.locator('.inbox-item').filter({ has: page.getByRole('heading', { name: workflow }) })

describeInBrowser('the inbox', () => {
  it('counts a question assigned to alice as it is asked, and she answers it in place; the run goes on with her answer', async () => {
    const { page, consoleErrors, errors } = await alicesPage()
    await count(page, '0')
    // The badge's long-poll is held (an empty inbox), so the question must arrive through it, no reload.
    await waitFor(() => parley.app.runs.polls.held >= 1, 'the inbox long-poll held')

    const run = await runAwaitingInput('bob', 'approval', { request: 'Deploy', approvers: ['alice'] })
    await count(page, '1')
    const link = page.getByRole('link', { name: /Inbox/ })
    expect(await link.textContent()).toContain('1 question waiting')

    await link.click()
    await page.waitForURL(/#\/inbox$/)
    expect(await page.locator('main').getByRole('heading', { level: 2 }).textContent()).toBe('Inbox')
    const item = inboxItem(page, 'approval')
    await item.waitFor()
    expect(await item.locator('.prompt').textContent()).toBe('Approve: Deploy?')
    expect(await item.getByText('Assigned to you').isVisible()).toBe(true)
    expect(await item.getByRole('link', { name: 'Open run' }).count()).toBe(0)
    expect(await item.locator('.msg-head').textContent()).toContain('Approvals→User')
    // The approval has a deadline: the same countdown as on a run page.
    expect(await item.getByRole('timer').textContent()).toMatch(/^Answer within \d:\d\d — then the default “reject” is taken$/)
    expect(await link.getAttribute('aria-current')).toBe('page')

    await item.getByRole('button', { name: 'approve' }).click()
    // Shown answered and locked, then gone.
    await item.locator('.answer.answered').waitFor()
    expect(await item.getByRole('button', { name: 'approve' }).getAttribute('aria-pressed')).toBe('true')
    expect(await item.getByRole('button', { name: 'reject' }).isDisabled()).toBe(true)
    await item.waitFor({ state: 'detached' })
    await page.getByText('No questions waiting for you.').waitFor()
    await count(page, '0')

    const done = await finishedRun('bob', run.id)
    expect(done).toMatchObject({ status: 'completed', result: 'approved' })
    const log = (await api('bob', 'GET', `/v1/runs/${run.id}/messages?after=0`)).body.messages
    expect(log.find((message: { type: string }) => message.type === 'reply').content).toMatchObject({
      answer: 'approve',
      answered_by: 'alice',
    })
    expect(errors).toEqual([])
    expect(consoleErrors).toEqual([])
  })

  it('lists alice’s own question with a link that opens its run', async () => {
    const { page, consoleErrors, errors } = await alicesPage()
    const run = await runAwaitingInput('alice', 'greet', {})
    await count(page, '1')
    await page.getByRole('link', { name: /Inbox/ }).click()
    const item = inboxItem(page, 'greet')
    await item.waitFor()
    expect(await item.getByText('Assigned to you').count()).toBe(0)
    expect(await item.getByRole('textbox', { name: 'Your name?' }).isEnabled()).toBe(true)

    await item.getByRole('link', { name: 'Open run' }).click()
    await page.waitForURL(new RegExp(`#/runs/${run.id}$`))
    await page.locator('.log [data-type="text_input"]').waitFor()
    expect(await page.locator('main').getByRole('heading', { level: 2 }).textContent()).toBe('greet')

    // Answered on the run page: the count follows.
    await page.getByRole('button', { name: 'Ada' }).click()
    await page.locator('.log [data-type="multiple_choice"]').waitFor()
    await count(page, '1') // the run's next question (Mood?)
    await page.getByRole('button', { name: 'good' }).click()
    await count(page, '0')
    expect((await finishedRun('alice', run.id)).result).toBe('greeted Ada')
    expect(errors).toEqual([])
    expect(consoleErrors).toEqual([])
  })

  it('says so when the question was answered elsewhere before alice’s answer arrived', async () => {
    const { page, consoleErrors, errors } = await alicesPage()
    const run = await runAwaitingInput('bob', 'approval', { request: 'Merge', approvers: ['alice'] })
    await page.goto(`${parley.url}/#/inbox`)
    const item = inboxItem(page, 'approval')
    await item.waitFor()

    // bob answers first, through the API.
    const bobs = await api('bob', 'POST', `/v1/runs/${run.id}/replies`, { question_id: run.pending_question.id, answer: 'reject' })
    expect(bobs.status).toBe(201)
    await item.getByRole('button', { name: 'approve' }).click()
    await item.getByText('Not sent: the question was already answered elsewhere, or closed').waitFor()
    expect(await item.getByRole('button', { name: 'approve' }).isDisabled()).toBe(true)
    await count(page, '0')
    expect((await finishedRun('bob', run.id)).result).toBe('rejected')
    expect(errors).toEqual([])
    // The browser logs the refused request itself; nothing else.
    expect(consoleErrors.filter((text) => !text.includes('status of 409'))).toEqual([])
  })
})
