import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from '../../src/agents/agent.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import type { StreamEvent } from '../support/contract.ts'
import { call } from '../support/contract.ts'
import { answer, finished, listMessages, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { openEvents } from '../support/event-stream.ts'
import type { FakeOpenAI } from '../support/fake-openai.ts'
import { startFakeOpenAI } from '../support/fake-openai.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * Token streaming: an agent's reply is seen growing (`text_delta`, live, never stored) on the
 * event stream and, with `deltas=true`, on the long-poll; the complete `text_message` that follows
 * is what the log keeps. The real `openai` client streams from the fake endpoint over HTTP.
 */

/** Asks what to tell, then one exchange: the user's request and the storyteller's (streamed) reply. */
const story = defineWorkflow({
  name: 'story',
  description: 'A storyteller agent answers one request',
  async run(ui) {
    const topic = await ui.textInput({ prompt: 'What should the story be about?' })
    const user = new Agent({ name: 'User', llm: false })
    const teller = new Agent({ name: 'Storyteller', systemMessage: 'You tell short stories.' })
    const chat = await user.run(teller, { message: `Tell me a story about ${topic}`, maxTurns: 1 })
    return chat.summary
  },
})

type Delta = { message_ref: string; index: number; delta: string; sender: string | null; recipient: string | null }
const deltasOf = (events: StreamEvent[]): Delta[] => events.filter((event) => event.event === 'text_delta').map((event) => event.data)
const messagesOf = (events: StreamEvent[]) => events.filter((event) => event.event === 'message').map((event) => event.data)

/** A reply's text as a client builds it from deltas: appended in order, and begun again at an index of 0. */
function textOf(deltas: Delta[], ref: string): string {
  let text = ''
  for (const delta of deltas) {
    if (delta.message_ref !== ref) continue
    if (delta.index === 0) text = ''
    text += delta.delta
  }
  return text
}

/** Starts a story and opens its event stream before answering, so the reply is generated while it is watched. */
async function watchedStory(app: ParleyApp, topic: string) {
  const run = await startRun(app, 'story')
  const stream = await openEvents(app, run.id)
  const question = await nextQuestion(app, run.id)
  await answer(app, run.id, question.id, topic)
  return { run, stream }
}

describe('token streaming from an OpenAI-compatible endpoint', () => {
  let fake: FakeOpenAI
  let app: ParleyApp
  const store = createMemoryStore()
  beforeAll(async () => {
    fake = await startFakeOpenAI()
    app = createApp({ workflows: [story], store, llm: { baseURL: fake.url, apiKey: 'sk-test', maxRetries: 1, timeoutMs: 10_000 } })
  })
  afterAll(async () => {
    await app.close()
    await fake.close()
  })

  it('streams the reply as deltas ahead of its text_message, whose id is their message_ref and whose body is their text', async () => {
    const text = 'Once upon a time a fox learned to count, and never lost a hen again.'
    fake.script({ text })
    const { run, stream } = await watchedStory(app, 'a fox')
    const events = await stream.rest()
    expect(fake.requests.at(-1)?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } })

    const reply = messagesOf(events).find((message) => message.type === 'text_message' && message.sender === 'Storyteller')
    expect(reply?.content.body).toBe(text)
    const deltas = deltasOf(events)
    expect(deltas.length).toBeGreaterThan(5)
    expect(new Set(deltas.map((delta) => delta.message_ref))).toEqual(new Set([reply.id]))
    expect(deltas.map((delta) => delta.index)).toEqual(deltas.map((_, position) => position))
    expect(deltas.every((delta) => delta.sender === 'Storyteller' && delta.recipient === 'User')).toBe(true)
    expect(textOf(deltas, reply.id)).toBe(text)

    // Live text comes after the message it follows (the user's request) and before the reply itself.
    const positions = (test: (event: StreamEvent) => boolean) => events.flatMap((event, position) => (test(event) ? [position] : []))
    const request = positions((event) => event.event === 'message' && event.data.sender === 'User')[0] ?? -1
    const [replyAt] = positions((event) => event.event === 'message' && event.data.id === reply.id)
    const deltaAt = positions((event) => event.event === 'text_delta')
    expect(request).toBeGreaterThanOrEqual(0)
    expect(Math.min(...deltaAt)).toBeGreaterThan(request)
    expect(Math.max(...deltaAt)).toBeLessThan(replyAt ?? -1)

    // Never stored: the log has the messages and nothing else, and a stream opened now has no deltas.
    const log = await readLog(app, run.id)
    expect(messagesOf(events)).toEqual(log)
    const late = await openEvents(app, run.id)
    const replayed = await late.rest()
    expect(deltasOf(replayed)).toEqual([])
    expect(messagesOf(replayed)).toEqual(log)
    expect(store.liveText.size).toEqual({ listeners: 0, replies: 0 })
  })

  it('shows a reply being written to a late stream and to a deltas=true long-poll, and a cancel aborts the request', async () => {
    fake.script({ text: 'It was a dark and stormy night, and the', hangAfter: 4 })
    const requestsBefore = fake.requests.length
    const run = await startRun(app, 'story')
    const question = await nextQuestion(app, run.id)
    await answer(app, run.id, question.id, 'a storm')
    await fake.waitForRequests(requestsBefore + 1)

    // The long-poll with deltas=true: held polls answer as the text arrives, until four pieces are in.
    let page = (await listMessages(app, run.id, 'after=0&deltas=true')).body
    let after = page.next_after
    let polls = 0
    while ((page.deltas?.length ?? 0) < 4) {
      if (++polls > 50) throw new Error(`the deltas never came: ${JSON.stringify(page)}`)
      const seen = page.deltas?.length ?? 0
      page = (await listMessages(app, run.id, `after=${after}&wait=30&deltas=true&deltas_seen=${seen}`)).body
      after = page.next_after
    }
    expect(page.deltas.map((delta: Delta) => delta.delta).join('')).toBe('It was a dark')
    expect(page.deltas.map((delta: Delta) => delta.index)).toEqual([0, 1, 2, 3])
    // Without asking, a page has no deltas.
    expect((await listMessages(app, run.id, 'after=0')).body).not.toHaveProperty('deltas')

    // A stream opened now gets the log, then the reply so far.
    const late = await openEvents(app, run.id)
    const seen = await late.take(page.last_seq + 4)
    expect(messagesOf(seen).map((message) => message.seq)).toEqual(Array.from({ length: page.last_seq }, (_, i) => i + 1))
    expect(textOf(deltasOf(seen), page.deltas[0].message_ref)).toBe('It was a dark')

    // Cancelled mid-reply: the model's request is aborted, and no half reply is stored.
    const cancelled = await call(app, 'POST', `/v1/runs/${run.id}/cancel`)
    expect(cancelled.status).toBe(200)
    await fake.waitForClientClose(requestsBefore, 10_000)
    const rest = await late.rest()
    const log = await readLog(app, run.id)
    expect(log.filter((message) => message.sender === 'Storyteller')).toEqual([])
    expect(messagesOf([...seen, ...rest])).toEqual(log)
    await waitFor(() => store.liveText.size.replies === 0, 'the abandoned reply to be forgotten')
  })

  it('asks again when the stream is cut part-way, and stores only the whole answer', async () => {
    const whole = 'The second telling is complete.'
    fake.script({ text: 'The first telling breaks off', cutAfter: 3 }, { text: whole })
    const { run, stream } = await watchedStory(app, 'retries')
    const events = await stream.rest()
    expect(await finished(app, run.id)).toMatchObject({ status: 'completed', result: whole })
    const reply = messagesOf(events).find((message) => message.sender === 'Storyteller')
    expect(reply?.content.body).toBe(whole)
    const deltas = deltasOf(events)
    // The first three pieces, then the generation begins again at 0: a client drops what it had.
    expect(deltas.map((delta) => delta.index).slice(0, 4)).toEqual([0, 1, 2, 0])
    expect(
      deltas
        .slice(0, 3)
        .map((delta) => delta.delta)
        .join(''),
    ).toBe('The first telling')
    expect(textOf(deltas, reply.id)).toBe(whole)
  })
})

describe('token streaming when every attempt is cut', () => {
  let fake: FakeOpenAI
  let app: ParleyApp
  beforeAll(async () => {
    fake = await startFakeOpenAI()
    app = createApp({ workflows: [story], llm: { baseURL: fake.url, apiKey: 'sk-test', maxRetries: 1, timeoutMs: 10_000 } })
  })
  afterAll(async () => {
    await app.close()
    await fake.close()
  })

  it('fails the run, saying the stream broke off, with no half reply in the log', async () => {
    fake.script({ text: 'Half a story, then', cutAfter: 2 }, { text: 'Half again, then', cutAfter: 2 })
    const run = await startRun(app, 'story')
    const question = await nextQuestion(app, run.id)
    await answer(app, run.id, question.id, 'nothing')
    const done = await finished(app, run.id)
    expect(done.status).toBe('failed')
    expect(done.error.short).toMatch(/stream broke off before the answer was complete, 2 times/)
    expect(fake.requests).toHaveLength(2)
    const log = await readLog(app, run.id)
    expect(log.filter((message) => message.sender === 'Storyteller')).toEqual([])
  })
})

describe('token streaming from the offline model', () => {
  const app = createApp({ workflows: [story], llm: { maxRetries: 0, timeoutMs: 1000, offlineTokenDelayMs: 1 } })
  afterAll(() => app.close())

  it('streams its canned reply word by word, without an API key', async () => {
    const { run, stream } = await watchedStory(app, 'owls')
    const events = await stream.rest()
    const reply = messagesOf(events).find((message) => message.sender === 'Storyteller')
    expect(reply?.content.body).toMatch(/^\[offline model\] /)
    const deltas = deltasOf(events)
    const words = reply.content.body.split(' ').length
    expect(deltas).toHaveLength(words)
    expect(textOf(deltas, reply.id)).toBe(reply.content.body)
    expect((await finished(app, run.id)).status).toBe('completed')
  })
})
