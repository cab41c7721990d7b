import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { cancelRun, describeInBrowser, messagesOf, oneTo, renderedSeqs, startRun, useBrowserSession, waitForStatus } from './support.ts'

const { parley, open } = useBrowserSession()

const tickTexts = (page: Page) => messagesOf(page, 'text_message').locator('.msg-body').allTextContents()

describeInBrowser('a run followed live', () => {
  it('reloaded mid-run, and opened in a second tab, replays the log and continues live with nothing doubled or missing', async () => {
    const page = await open()
    const count = 12
    const runId = await startRun(page, parley.url, 'ticker', async (p) => {
      await p.getByLabel('count').fill(String(count))
      await p.getByLabel('interval_ms').fill('400')
    })
    await page.getByText('tick 3/12', { exact: true }).waitFor()
    await page.reload()
    expect(new URL(page.url()).hash).toBe(`#/runs/${runId}`)
    await page.getByText('tick 5/12', { exact: true }).waitFor()
    const second = await open()
    await second.goto(page.url())
    await Promise.all([waitForStatus(page, 'completed'), waitForStatus(second, 'completed')])

    const expected = oneTo(count).map((tick) => `tick ${tick}/${count}`)
    for (const tab of [page, second]) {
      expect(await tickTexts(tab)).toEqual(expected)
      // workflow_started, the ticks, workflow_completed: seq 1 … count + 2, each once, in order.
      expect(await renderedSeqs(tab)).toEqual(oneTo(count + 2))
    }
  })

  it('follows the run over the event stream, and over the long-poll when the server has no stream', async () => {
    for (const withStream of [true, false]) {
      const page = await open()
      const paths: string[] = []
      page.on('request', (request) => paths.push(new URL(request.url()).pathname))
      if (!withStream) {
        // What a server older than the stream answers.
        await page.route(/\/v1\/runs\/[^/]+\/events/, (route) =>
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
      }
      await startRun(page, parley.url, 'ticker', async (p) => {
        await p.getByLabel('count').fill('5')
        await p.getByLabel('interval_ms').fill('100')
      })
      await waitForStatus(page, 'completed')
      expect(await renderedSeqs(page)).toEqual(oneTo(7))
      const polled = paths.some((path) => path.endsWith('/messages'))
      expect(paths.some((path) => path.endsWith('/events'))).toBe(true)
      expect(polled).toBe(!withStream)
      await page.close()
    }
  })

  it('reloaded while a question waits: the question is answerable after the reload and the run completes', async () => {
    const page = await open()
    await startRun(page, parley.url, 'quiz_loop')
    await page.getByRole('button', { name: 'hello' }).click()
    await messagesOf(page, 'multiple_choice').waitFor()
    await page.reload()
    await messagesOf(page, 'multiple_choice').waitFor()
    await page.getByRole('button', { name: 'continue' }).click()
    await page.getByRole('textbox', { name: 'Round 2: write a note' }).fill('second')
    await page.keyboard.press('Enter')
    await messagesOf(page, 'multiple_choice').nth(1).getByRole('button', { name: 'stop' }).click()
    await waitForStatus(page, 'completed')
    expect(await messagesOf(page, 'workflow_completed').textContent()).toContain('2 note(s): hello | second')
    const seqs = await renderedSeqs(page)
    expect(seqs).toEqual(oneTo(seqs.length))
  })

  it('cancel stops a running run: status cancelled, no further messages, no result', async () => {
    const page = await open()
    const runId = await startRun(page, parley.url, 'ticker', async (p) => {
      await p.getByLabel('count').fill('1000')
      await p.getByLabel('interval_ms').fill('150')
    })
    await page.getByText('tick 2/1000', { exact: true }).waitFor()
    await cancelRun(page)
    await waitForStatus(page, 'cancelled')
    await messagesOf(page, 'workflow_completed').waitFor()
    expect(await messagesOf(page, 'workflow_completed').locator('.kind').textContent()).toBe('Cancelled')
    expect(await page.getByRole('button', { name: 'Cancel run' }).isVisible()).toBe(false)
    const ticks = (await tickTexts(page)).length
    await page.waitForTimeout(600)
    expect((await tickTexts(page)).length).toBe(ticks)
    const run = (await (await parley.app.request(`/v1/runs/${runId}`)).json()) as { status: string }
    expect(run.status).toBe('cancelled')
  })

  it('cancel while a question waits closes the question', async () => {
    const page = await open()
    await startRun(page, parley.url, 'greet')
    const input = page.getByRole('textbox', { name: 'Your name?' })
    await input.waitFor()
    await cancelRun(page)
    await waitForStatus(page, 'cancelled')
    await messagesOf(page, 'text_input').locator('.answer.closed').waitFor()
    expect(await input.isDisabled()).toBe(true)
    expect(await messagesOf(page, 'text_input').locator('.answer-status').textContent()).toContain('the run was cancelled')
  })

  it('lists past runs and reopens one from the list', async () => {
    const page = await open()
    const runId = await startRun(page, parley.url, 'echo', (p) => p.getByLabel('text').fill('from the past'))
    await waitForStatus(page, 'completed')
    await page.goto(`${parley.url}/#/`)
    const link = page.locator(`.run-list a[href="#/runs/${runId}"]`)
    await link.waitFor()
    expect(await link.textContent()).toContain('echo')
    expect(await link.locator('.status').textContent()).toBe('completed')
    await link.click()
    await page.waitForURL(new RegExp(`#/runs/${runId}$`))
    expect(await messagesOf(page, 'text_message').locator('.msg-body').textContent()).toBe('from the past')
    expect(await link.getAttribute('aria-current')).toBe('page')
  })
})
