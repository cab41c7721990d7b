import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { describeInBrowser, messagesOf, newContext, openPage, startRun, useBrowserSession, waitForStatus } from './support.ts'

// Registered before the session, so they run before Parley starts and are undone after it stops.
beforeAll(() => {
  // No key and no base URL: the agents talk to the built-in offline model.
  vi.stubEnv('OPENAI_API_KEY', '')
  vi.stubEnv('OPENAI_BASE_URL', '')
})
afterAll(() => {
  vi.unstubAllEnvs()
})
const { parley, browser } = useBrowserSession()

describeInBrowser('the agents’ examples on the offline model, driven through the page', () => {
  it('simple_learning: asks for a subject, shows the student and teacher chat, ends with the reflection summary', async () => {
    const { page, errors } = await openPage(await newContext(browser))
    await startRun(page, parley.url, 'simple_learning', (p) => p.getByLabel('max_turns').fill('2'))
    const question = messagesOf(page, 'text_input')
    expect(await question.locator('.prompt').textContent()).toBe('Which mathematics subject would you like to explore?')
    await question.getByRole('button', { name: 'Prime numbers' }).click()
    await waitForStatus(page, 'completed')

    const chat = messagesOf(page, 'text_message')
    const turns = await chat.evaluateAll((items) =>
      items.map((item) => `${item.querySelector('.sender')?.textContent}→${item.querySelector('.recipient')?.textContent}`),
    )
    expect(turns).toEqual([
      'Student_Agent→Teacher_Agent',
      'Teacher_Agent→Student_Agent',
      'Student_Agent→Teacher_Agent',
      'Teacher_Agent→Student_Agent',
    ])
    expect(await chat.first().locator('.msg-body').textContent()).toBe('I would like to learn about Prime numbers.')
    expect(await chat.nth(1).locator('.msg-body').textContent()).toContain('[offline model]')
    const result = await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()
    expect(result).toContain('Prime numbers')
    expect(result).toContain('[offline model]')
    expect(errors).toEqual([])
  })

  it('weather_tools: the agent proposes a tool call, the user approves it in place, the call runs and the answer is the result', async () => {
    const { page, errors } = await openPage(await newContext(browser))
    await startRun(page, parley.url, 'weather_tools', (p) => p.getByLabel('city').fill('Lisbon'))
    const proposed = messagesOf(page, 'suggested_function_call')
    await proposed.waitFor()
    expect(await proposed.locator('.function-name').textContent()).toBe('get_weather')
    expect(JSON.parse((await proposed.locator('pre').textContent()) ?? '')).toEqual({ city: 'Lisbon' })

    const approval = messagesOf(page, 'multiple_choice')
    expect(await approval.locator('.prompt').textContent()).toContain('wants to call get_weather')
    await approval.getByRole('button', { name: 'Approve' }).click()
    await waitForStatus(page, 'completed')

    const executed = messagesOf(page, 'function_call_execution')
    expect(await executed.locator('.call-id').textContent()).toBe(await proposed.locator('.call-id').textContent())
    expect(JSON.parse((await executed.locator('pre').textContent()) ?? '')).toMatchObject({ city: 'Lisbon', source: 'demo data' })
    expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toContain('get_weather answered')
    expect(errors).toEqual([])
  })
})
