import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { z } from 'zod'
import { echo } from '../../src/examples/message-types.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { describeInBrowser, messagesOf, useBrowserSession, waitForStatus } from './support.ts'

/** Every kind of param the form generates, plus a rule JSON Schema cannot carry (only the server checks it). */
const form_probe = defineWorkflow({
  name: 'form_probe',
  description: 'Takes one param of each kind',
  params: z.object({
    topic: z.string().min(3).max(40).describe('What to talk about'),
    style: z.enum(['short', 'long']).default('short'),
    rounds: z.int().min(1).max(5).default(2).describe('How many rounds'),
    ratio: z.number().min(0).max(1).optional(),
    loud: z.boolean().default(false).describe('Shout everything'),
    nickname: z
      .string()
      .default('anon')
      .refine((value) => value !== 'taken', 'That nickname is taken'),
  }),
  async run(ui, params) {
    await ui.textMessage({ body: JSON.stringify(params) })
    return 'probed'
  },
})

const { parley, open } = useBrowserSession({ workflows: [form_probe, echo] })
/** The page of the running test, which `openForm` opens. */
let page: Page

async function openForm(): Promise<Page> {
  page = await open()
  await page.goto(`${parley.url}/#/workflows/form_probe`)
  await page.locator('form.start-form').waitFor()
  return page
}

async function runCount(): Promise<number> {
  const list = (await (await parley.app.request('/v1/runs')).json()) as { runs: unknown[] }
  return list.runs.length
}

const field = (name: string) => page.locator(`.field[data-field="${name}"]`)

describeInBrowser('the start form, generated from the params schema', () => {
  it('has a labelled control per param: defaults, help text, required marks, enum, boolean, number bounds', async () => {
    await openForm()
    expect(await page.getByRole('heading', { name: 'form_probe' }).isVisible()).toBe(true)
    expect(await page.locator('form.start-form .form-description').textContent()).toBe('Takes one param of each kind')

    const topic = page.getByLabel('topic')
    expect(await topic.getAttribute('aria-required')).toBe('true')
    expect(await field('topic').locator('.required-mark').count()).toBe(1)
    expect(await field('topic').locator('.help').textContent()).toContain('What to talk about')
    expect(await field('rounds').locator('.required-mark').count()).toBe(0)

    const style = page.getByLabel('style')
    expect(await style.evaluate((element) => element.tagName)).toBe('SELECT')
    expect(await style.locator('option:checked').textContent()).toBe('short')

    const rounds = page.getByLabel('rounds')
    expect(await rounds.inputValue()).toBe('2')
    expect([await rounds.getAttribute('type'), await rounds.getAttribute('min'), await rounds.getAttribute('max')]).toEqual([
      'number',
      '1',
      '5',
    ])
    expect(await field('rounds').locator('.help').textContent()).toContain('A whole number from 1 to 5')

    expect(await page.getByLabel('ratio').inputValue()).toBe('')
    expect(await page.getByLabel('loud').isChecked()).toBe(false)
    expect(await field('loud').locator('.help').textContent()).toContain('Shout everything')
    expect(await page.getByLabel('nickname').inputValue()).toBe('anon')
  })

  it('refuses invalid input before sending, naming each field, and starts nothing', async () => {
    await openForm()
    const before = await runCount()
    await page.getByLabel('rounds').fill('9')
    await page.getByLabel('ratio').fill('1.5')
    await page.getByRole('button', { name: 'Start run' }).click()

    expect(await field('topic').locator('.field-error').textContent()).toBe('Required')
    expect(await field('rounds').locator('.field-error').textContent()).toBe('Must be at most 5')
    expect(await field('ratio').locator('.field-error').textContent()).toBe('Must be at most 1')
    expect(await page.getByLabel('topic').getAttribute('aria-invalid')).toBe('true')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('topic')

    await page.getByLabel('topic').fill('ab')
    await page.getByLabel('rounds').fill('2.5')
    await page.getByRole('button', { name: 'Start run' }).click()
    expect(await field('topic').locator('.field-error').textContent()).toBe('At least 3 characters')
    expect(await field('rounds').locator('.field-error').textContent()).toBe('Enter a whole number')

    expect(new URL(page.url()).hash).toBe('#/workflows/form_probe')
    expect(await runCount()).toBe(before)
  })

  it('shows the server’s 422 next to the field it names', async () => {
    await openForm()
    const before = await runCount()
    await page.getByLabel('topic').fill('fractions')
    await page.getByLabel('nickname').fill('taken')
    await page.getByRole('button', { name: 'Start run' }).click()
    await field('nickname').locator('.field-error:not([hidden])').waitFor()
    expect(await field('nickname').locator('.field-error').textContent()).toBe('That nickname is taken')
    expect(await page.getByLabel('nickname').getAttribute('aria-invalid')).toBe('true')
    expect(await runCount()).toBe(before)
  })

  it('starts the run with the params entered, typed as the schema says', async () => {
    await openForm()
    await page.getByLabel('topic').fill('fractions')
    await page.getByLabel('style').selectOption({ label: 'long' })
    await page.getByLabel('rounds').fill('3')
    await page.getByLabel('ratio').fill('0.25')
    await page.getByLabel('loud').check()
    await page.getByLabel('rounds').press('Enter')
    await page.waitForURL(/#\/runs\//)
    await waitForStatus(page, 'completed')
    const sent = JSON.parse((await messagesOf(page, 'text_message').locator('.msg-body').textContent()) ?? '')
    expect(sent).toEqual({ topic: 'fractions', style: 'long', rounds: 3, ratio: 0.25, loud: true, nickname: 'anon' })
  })
})
