import type { Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest'
import type { FakeOpenAI } from '../support/fake-openai.ts'
import { startFakeOpenAI } from '../support/fake-openai.ts'
import { LateBound } from '../support/late-bound.ts'
import { cancelRun, describeInBrowser, messagesOf, startRun, useBrowserSession, waitForStatus } from './support.ts'

// Registered before the session, so the fake endpoint is up before Parley and down after it.
const fake = new LateBound<FakeOpenAI>('the fake OpenAI endpoint')
beforeAll(async () => {
  fake.current = await startFakeOpenAI()
})
afterAll(async () => {
  await fake.current?.close()
})
afterEach(() => {
  vi.unstubAllEnvs()
})
const { parley, open } = useBrowserSession()

/** Resolves once the keyboard focus is somewhere inside `message` (the page moves it to a new question). */
async function focusLandsIn(page: Page, message: Locator): Promise<void> {
  const seq = await message.getAttribute('data-seq')
  await page.waitForFunction((id) => document.getElementById(id)?.contains(document.activeElement) === true, `msg-${seq}`)
}

/** The focused element, described: its tag and text. */
function focused(page: Page): Promise<{ tag: string; text: string }> {
  return page.evaluate(() => ({ tag: document.activeElement?.tagName ?? '', text: document.activeElement?.textContent?.trim() ?? '' }))
}

async function answers(runId: string): Promise<unknown[]> {
  const response = await parley.app.request(`/v1/runs/${runId}/messages?limit=100`)
  const page = (await response.json()) as { messages: { type: string; content: { answer?: unknown } }[] }
  return page.messages.filter((message) => message.type === 'reply').map((message) => message.content.answer)
}

async function runStatus(runId: string): Promise<string> {
  const response = await parley.app.request(`/v1/runs/${runId}`)
  return ((await response.json()) as { status: string }).status
}

describeInBrowser('actions that cannot be undone take a deliberate click or key', () => {
  it('weather_tools: a new tool-call approval takes the focus on no choice, so Enter approves nothing; Tab to Approve and Enter does', async () => {
    vi.stubEnv('OPENAI_BASE_URL', fake.value.url)
    fake.value.script(
      { toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Lisbon' } }] },
      { toolCalls: [{ id: 'call_2', name: 'get_weather', arguments: { city: 'Lisbon' } }] },
      { text: 'Sunny in Lisbon. TERMINATE' },
    )
    const page = await open()
    const runId = await startRun(page, parley.url, 'weather_tools', (p) => p.getByLabel('city').fill('Lisbon'))
    const approvals = messagesOf(page, 'multiple_choice')

    const first = approvals.first()
    await first.waitFor()
    await focusLandsIn(page, first)
    expect((await focused(page)).tag).not.toBe('BUTTON')
    await page.keyboard.press('Enter')
    // Forced: the click lands even if that Enter had sent an answer and disabled the buttons.
    await first.getByRole('button', { name: 'Reject' }).click({ force: true })

    // The model proposes the call again; the focus moves to the new question, not onto its Approve.
    const second = approvals.nth(1)
    await second.waitFor()
    await focusLandsIn(page, second)
    expect(await focused(page)).not.toMatchObject({ tag: 'BUTTON', text: 'Approve' })
    await page.keyboard.press('Enter')
    // Sending an answer disables the question's buttons at once: they are still enabled, nothing was sent.
    expect(await second.getByRole('button', { name: 'Approve' }).isEnabled()).toBe(true)
    expect(await answers(runId)).toEqual(['Reject'])
    await page.keyboard.press('Tab')
    expect(await focused(page)).toEqual({ tag: 'BUTTON', text: 'Approve' })
    await page.keyboard.press('Enter')
    await waitForStatus(page, 'completed')

    expect(await answers(runId)).toEqual(['Reject', 'Approve'])
    expect(await messagesOf(page, 'function_call_execution').locator('.call-id').allTextContents()).toEqual(['call id call_2'])
  })

  it('asks in the page before cancelling: Enter keeps the run going, "Yes, cancel the run" cancels it', async () => {
    const page = await open()
    const runId = await startRun(page, parley.url, 'greet')
    await page.getByRole('textbox', { name: 'Your name?' }).waitFor()

    await page.getByRole('button', { name: 'Cancel run' }).click()
    const confirmation = page.getByRole('alertdialog', { name: 'Cancel this run? It stops for good.' })
    await confirmation.waitFor()
    expect(await focused(page)).toEqual({ tag: 'BUTTON', text: 'Keep it running' })
    await page.keyboard.press('Enter')
    await confirmation.waitFor({ state: 'hidden' })
    expect(await runStatus(runId)).toBe('awaiting_input')
    expect(await focused(page)).toEqual({ tag: 'BUTTON', text: 'Cancel run' })

    await page.getByRole('button', { name: 'Cancel run' }).click()
    await page.keyboard.press('Escape')
    await confirmation.waitFor({ state: 'hidden' })
    expect(await runStatus(runId)).toBe('awaiting_input')

    await cancelRun(page)
    await waitForStatus(page, 'cancelled')
    expect(await runStatus(runId)).toBe('cancelled')
  })

  it('ends a cancelled run with a "Cancelled" card, not a green "Result"', async () => {
    const page = await open()
    await startRun(page, parley.url, 'greet')
    await page.getByRole('textbox', { name: 'Your name?' }).waitFor()
    await cancelRun(page)
    await waitForStatus(page, 'cancelled')
    const closing = messagesOf(page, 'workflow_completed')
    await closing.waitFor()
    expect(await closing.getAttribute('class')).not.toMatch(/\bresult\b/)
    expect(await closing.getAttribute('class')).toContain('ended-cancelled')
    expect(await closing.locator('.kind').textContent()).toBe('Cancelled')
    expect(await closing.locator('.ended-reason').textContent()).toBe('The run was stopped before it finished (cancelled by the client).')
  })

  it('ends a failed run with a "Failed" card carrying the error, live and after a reload', async () => {
    const page = await open()
    await startRun(page, parley.url, 'report_error', (p) => p.getByLabel('crash').check())
    await waitForStatus(page, 'failed')
    for (const when of ['live', 'reloaded']) {
      if (when === 'reloaded') {
        await page.reload()
        await waitForStatus(page, 'failed')
      }
      const closing = messagesOf(page, 'workflow_completed')
      await closing.waitFor()
      expect(await closing.getAttribute('class'), when).not.toMatch(/\bresult\b/)
      expect(await closing.getAttribute('class'), when).toContain('ended-failed')
      expect(await closing.locator('.kind').textContent(), when).toBe('Failed')
      expect(await closing.locator('.ended-reason').textContent(), when).toContain('the workflow crashed on purpose')
    }
  })
})
