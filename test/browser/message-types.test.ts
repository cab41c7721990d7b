import { expect, it } from 'vitest'
import { definitions, describeInBrowser, messagesOf, startRun, useBrowserSession, waitForStatus } from './support.ts'

const { parley, open } = useBrowserSession()

describeInBrowser('every message type is rendered distinctly', () => {
  it('workflow_started: the workflow name, its description and the params it got', async () => {
    const page = await open()
    await startRun(page, parley.url, 'echo', (p) => p.getByLabel('text').fill('ping'))
    const started = messagesOf(page, 'workflow_started')
    await expect(started.count()).resolves.toBe(1)
    const text = await started.textContent()
    expect(text).toMatch(/workflow started/i)
    expect(text).toContain('echo')
    expect(text).toContain('Says back the text it is given')
    expect(await definitions(started)).toEqual({ text: 'ping' })
  })

  it('text_message: sender → recipient and the body', async () => {
    const page = await open()
    await startRun(page, parley.url, 'echo', (p) => p.getByLabel('text').fill('Hello,\nworld'))
    const message = messagesOf(page, 'text_message')
    await message.waitFor()
    expect(await message.locator('.sender').textContent()).toBe('Echo')
    expect(await message.locator('.recipient').textContent()).toBe('User')
    expect(await message.locator('.msg-body').textContent()).toBe('Hello,\nworld')
  })

  it('system_message: labelled as such, its object shown key by key', async () => {
    const page = await open()
    await startRun(page, parley.url, 'system_notice', (p) => p.getByLabel('level').selectOption({ label: 'warning' }))
    const message = messagesOf(page, 'system_message')
    await message.waitFor()
    expect(await message.locator('.kind').textContent()).toMatch(/system message/i)
    expect(await definitions(message)).toMatchObject({ level: 'warning', text: 'Parley is up and running' })
  })

  it('suggested_function_call: the function name, call id and arguments', async () => {
    const page = await open()
    await startRun(page, parley.url, 'calculator', async (p) => {
      await p.getByLabel('a', { exact: true }).fill('4')
      await p.getByLabel('b', { exact: true }).fill('5')
    })
    const message = messagesOf(page, 'suggested_function_call')
    await message.waitFor()
    expect(await message.locator('.kind').textContent()).toMatch(/suggested function call/i)
    expect(await message.locator('.function-name').textContent()).toBe('add')
    expect(await message.locator('.call-id').textContent()).toMatch(/^call id call_/)
    expect(JSON.parse((await message.locator('pre').textContent()) ?? '')).toEqual({ a: 4, b: 5 })
  })

  it('function_call_execution: the function name, the same call id and the return value', async () => {
    const page = await open()
    await startRun(page, parley.url, 'calculator', async (p) => {
      await p.getByLabel('a', { exact: true }).fill('4')
      await p.getByLabel('b', { exact: true }).fill('5')
    })
    const executed = messagesOf(page, 'function_call_execution')
    await executed.waitFor()
    expect(await executed.locator('.kind').textContent()).toMatch(/function call executed/i)
    expect(await executed.locator('.function-name').textContent()).toBe('add')
    expect(await executed.locator('.call-id').textContent()).toBe(
      await messagesOf(page, 'suggested_function_call').locator('.call-id').textContent(),
    )
    expect(await executed.locator('pre').textContent()).toBe('9')
  })

  it('text_input: the prompt, an input labelled by it, and the suggestions', async () => {
    const page = await open()
    await startRun(page, parley.url, 'greet')
    const question = messagesOf(page, 'text_input')
    await question.waitFor()
    expect(await question.locator('.prompt').textContent()).toBe('Your name?')
    await expect(page.getByRole('textbox', { name: 'Your name?' }).getAttribute('type')).resolves.toBe('text')
    expect(await question.locator('.suggestions button').allTextContents()).toEqual(['Ada', 'Grace'])
    await waitForStatus(page, 'awaiting_input')
  })

  it('multiple_choice: the prompt and one button per choice', async () => {
    const page = await open()
    await startRun(page, parley.url, 'greet')
    await page.getByRole('button', { name: 'Grace' }).click()
    const question = messagesOf(page, 'multiple_choice')
    await question.waitFor()
    expect(await question.locator('.prompt').textContent()).toBe('Mood?')
    expect(await question.locator('.choices button').allTextContents()).toEqual(['good', 'bad'])
  })

  it('reply: the user’s own answer, on the user’s side', async () => {
    const page = await open()
    await startRun(page, parley.url, 'greet')
    await page.getByRole('button', { name: 'Grace' }).click()
    const reply = messagesOf(page, 'reply')
    await reply.waitFor()
    expect(await reply.getAttribute('class')).toContain('mine')
    expect(await reply.locator('.kind').textContent()).toMatch(/your answer/i)
    expect(await reply.locator('.msg-body').textContent()).toBe('Grace')
  })

  it('error: the short text, and the long one under Details', async () => {
    const page = await open()
    await startRun(page, parley.url, 'report_error', (p) => p.getByLabel('crash').check())
    await waitForStatus(page, 'failed')
    // The status may be read before the stream has brought the log's last messages: wait for the end of the log.
    await messagesOf(page, 'workflow_completed').waitFor()
    const errorsShown = messagesOf(page, 'error')
    await expect(errorsShown.count()).resolves.toBe(2)
    const reported = errorsShown.first()
    expect(await reported.locator('.error-short').textContent()).toBe('Something looked wrong')
    await reported.locator('summary').click()
    expect(await reported.locator('.error-long pre').textContent()).toContain('the workflow carries on')
    expect(await errorsShown.nth(1).locator('.error-short').textContent()).toContain('the workflow crashed on purpose')
  })

  it('workflow_completed: the result', async () => {
    const page = await open()
    await startRun(page, parley.url, 'echo', (p) => p.getByLabel('text').fill('all done'))
    await waitForStatus(page, 'completed')
    const completed = messagesOf(page, 'workflow_completed')
    expect(await completed.locator('.kind').textContent()).toMatch(/result/i)
    expect(await completed.locator('.result-text').textContent()).toBe('all done')
  })
})
