import { expect, it } from 'vitest'
import { describeInBrowser, messagesOf, newContext, openPage, startRun, useBrowserSession, waitForStatus } from './support.ts'

// The offline model, writing a word every 40 ms: slow enough to catch a reply half-written.
const { parley, browser } = useBrowserSession({ llm: { maxRetries: 0, timeoutMs: 5000, offlineTokenDelayMs: 40 } })

describeInBrowser('token streaming in the web UI', () => {
  it("shows an agent's reply growing as it is written, then the stored message in its place", async () => {
    const { page, errors } = await openPage(await newContext(browser))
    await startRun(page, parley.url, 'simple_learning', (p) => p.getByLabel('max_turns').fill('1'))
    await messagesOf(page, 'text_input').getByRole('button', { name: 'Prime numbers' }).click()

    // A reply being written: the teacher's bubble, marked busy, with part of the text.
    const draft = page.locator('li.msg-draft').first()
    await draft.waitFor()
    expect(await draft.getAttribute('aria-busy')).toBe('true')
    expect(await draft.locator('.sender').textContent()).toBe('Teacher_Agent')
    await page.waitForFunction(() => (document.querySelector('li.msg-draft .msg-body')?.textContent ?? '').length > 0)
    const early = (await draft.locator('.msg-body').textContent()) ?? ''
    // It grows: later text begins with what was there before.
    await page.waitForFunction((before) => {
      const now = document.querySelector('li.msg-draft .msg-body')?.textContent ?? ''
      return now.length > before.length && now.startsWith(before)
    }, early)

    await waitForStatus(page, 'completed')
    // Each draft was replaced by the message it became, where it stood: no draft is left, nothing doubled.
    expect(await page.locator('li.msg-draft').count()).toBe(0)
    const replies = messagesOf(page, 'text_message')
    const teacher = replies.filter({ has: page.locator('.sender', { hasText: 'Teacher_Agent' }) })
    expect(await teacher.count()).toBe(1)
    const body = (await teacher.locator('.msg-body').textContent()) ?? ''
    expect(body.startsWith(early)).toBe(true)
    expect(body.length).toBeGreaterThan(early.length)
    expect(errors).toEqual([])
  })
})
