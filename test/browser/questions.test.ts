import { expect, it } from 'vitest'
import { describeInBrowser, messagesOf, oneTo, renderedSeqs, startRun, useBrowserSession, waitForStatus } from './support.ts'

const { parley, open } = useBrowserSession()

describeInBrowser('questions answered through the page', () => {
  it('answers a text question with a suggestion and a single choice with a button; the run completes with its result', async () => {
    const page = await open()
    await startRun(page, parley.url, 'greet', (p) => p.getByLabel('greeting').fill('Welcome'))
    await page.getByRole('button', { name: 'Ada' }).click()
    await page.getByRole('button', { name: 'good' }).click()
    await waitForStatus(page, 'completed')

    expect(await messagesOf(page, 'reply').allTextContents()).toEqual([expect.stringContaining('Ada'), expect.stringContaining('good')])
    expect(await messagesOf(page, 'text_message').locator('.msg-body').textContent()).toBe('Welcome, Ada (good)')
    expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toBe('greeted Ada')
    // Both questions are locked, the chosen button marked.
    await expect(page.getByRole('textbox', { name: 'Your name?' }).isDisabled()).resolves.toBe(true)
    await expect(page.getByRole('button', { name: 'good' }).getAttribute('aria-pressed')).resolves.toBe('true')
    await expect(page.getByRole('button', { name: 'bad' }).isDisabled()).resolves.toBe(true)
    expect(await renderedSeqs(page)).toEqual(oneTo(7))
  })

  it('answers a text question by typing and pressing Enter, with the focus already in the input', async () => {
    const page = await open()
    await startRun(page, parley.url, 'quiz_loop')
    const input = page.getByRole('textbox', { name: 'Round 1: write a note' })
    await input.waitFor()
    await page.waitForFunction(() => document.activeElement?.getAttribute('placeholder') === 'Type your answer')
    await page.keyboard.type('first note')
    await page.keyboard.press('Enter')
    await page.getByRole('button', { name: 'stop' }).click()
    await waitForStatus(page, 'completed')
    expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toBe('1 note(s): first note')
  })

  it('masks a password question as it is typed and never shows the answer', async () => {
    const page = await open()
    await startRun(page, parley.url, 'secret_check')
    const input = page.getByRole('textbox', { name: 'Passphrase?' })
    await input.waitFor()
    expect(await input.getAttribute('type')).toBe('password')
    await input.fill('correct horse battery')
    await input.press('Enter')
    await waitForStatus(page, 'completed')
    expect(await messagesOf(page, 'reply').locator('.msg-body').textContent()).toContain('hidden')
    expect(await page.locator('body').textContent()).not.toContain('correct horse')
    expect(await input.inputValue()).toBe('')
    expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toBe('long enough')
  })

  it('answers a multi-select question with checkboxes and a submit', async () => {
    const page = await open()
    await startRun(page, parley.url, 'pick_toppings')
    const question = messagesOf(page, 'multiple_choice')
    await question.waitFor()
    expect(await question.getByRole('checkbox').count()).toBe(4)
    await question.getByRole('checkbox', { name: 'olives' }).check()
    await question.getByRole('checkbox', { name: 'basil' }).check()
    await question.getByRole('button', { name: 'Send' }).click()
    await waitForStatus(page, 'completed')
    expect(await messagesOf(page, 'reply').locator('li').allTextContents()).toEqual(['olives', 'basil'])
    expect(await messagesOf(page, 'text_message').locator('.msg-body').textContent()).toBe('One pizza with olives, basil.')
    expect(await messagesOf(page, 'workflow_completed').locator('.result-text').textContent()).toBe('olives, basil')
    expect(await question.getByRole('checkbox', { name: 'cheese' }).isDisabled()).toBe(true)
  })

  it('locks a question once answered, in the tab that answered and in another tab showing the run', async () => {
    const first = await open()
    const runId = await startRun(first, parley.url, 'greet')
    const second = await open()
    await second.goto(`${parley.url}/#/runs/${runId}`)
    await messagesOf(second, 'text_input').waitFor()
    const elsewhere = second.getByRole('textbox', { name: 'Your name?' })
    expect(await elsewhere.isEnabled()).toBe(true)

    await first.getByRole('textbox', { name: 'Your name?' }).fill('Grace')
    await first.getByRole('button', { name: 'Send' }).click()

    // The other tab learns of the reply through its long-poll and locks its copy of the question.
    await messagesOf(second, 'reply').waitFor()
    expect(await elsewhere.isDisabled()).toBe(true)
    expect(await elsewhere.inputValue()).toBe('Grace')
    expect(await messagesOf(second, 'text_input').locator('.answer-status').textContent()).toContain('Answered')
    await Promise.all([messagesOf(first, 'multiple_choice').waitFor(), messagesOf(second, 'multiple_choice').waitFor()])
    expect(await renderedSeqs(second)).toEqual(await renderedSeqs(first))
  })
})
