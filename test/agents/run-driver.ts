import { afterAll, afterEach, beforeAll, vi } from 'vitest'
import type { Answer, Message, MessagePage, ParleyClient, Run } from '../../clients/typescript/index.ts'
import { createClient, followPages, pollMessages } from '../../clients/typescript/index.ts'
import { createApp } from '../../src/http/app.ts'
import type { Workflow } from '../../src/runtime/define-workflow.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import type { FakeOpenAI } from '../support/fake-openai.ts'
import { startFakeOpenAI } from '../support/fake-openai.ts'
import { LateBound } from '../support/late-bound.ts'

/**
 * Drives Parley the way a client does: a real server on loopback, runs started with POST,
 * the log followed by long-polling its cursor, questions answered with POST. Every wait is bounded.
 */
export async function startParley(workflows: Workflow[]): Promise<{ server: RunningServer; start: StartRun }> {
  const server = await serve(createApp({ workflows, store: createMemoryStore() }), { port: 0 })
  const client = createClient({ baseUrl: server.url })
  const start: StartRun = async (workflow, params = {}) => {
    const { data: run, error, response } = await client.startRun(workflow, params)
    if (!run) throw new Error(`createRun answered ${response.status}: ${JSON.stringify(error)}`)
    return new FollowedRun(client, run.id)
  }
  return { server, start }
}

/**
 * Registers the hooks of an agents test file (or `describe`): a fake OpenAI endpoint and Parley
 * serving `workflows` started before its tests and stopped after them, and `vi.stubEnv` undone
 * after each test. `fake` can be named in a workflow's `run`, which only runs inside a test.
 *
 * @example
 * const { fake, start } = useFakeLlmParley([weather_tools])
 * it('asks for approval', async () => {
 *   vi.stubEnv('OPENAI_BASE_URL', fake.url)
 *   const run = await start('weather_tools', { city: 'Paris' })
 * })
 */
export function useFakeLlmParley(workflows: Workflow[]): { fake: FakeOpenAI; start: StartRun } {
  const fake = new LateBound<FakeOpenAI>('the fake OpenAI endpoint')
  const parley = new LateBound<Awaited<ReturnType<typeof startParley>>>('parley')
  beforeAll(async () => {
    fake.current = await startFakeOpenAI()
    parley.current = await startParley(workflows)
  })
  afterAll(async () => {
    await parley.current?.server.close()
    await fake.current?.close()
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })
  return { fake: fake.value, start: (workflow, params) => parley.value.start(workflow, params) }
}

export type StartRun = (workflow: string, params?: Record<string, unknown>) => Promise<FollowedRun>

type MessageType = Message['type']
type Of<T extends MessageType> = Extract<Message, { type: T }>

/** Seconds each poll of a `FollowedRun` may be held: short, so a `next` or `finish` notices its deadline. */
const POLL_SECONDS = 1

export class FollowedRun {
  /** Every message read so far, in seq order. */
  readonly messages: Message[] = []
  /** The run's log, page by page; done once the run has finished and every message was read. */
  readonly #pages: AsyncGenerator<MessagePage, void, undefined>
  #done = false
  #consumed = 0

  constructor(
    readonly client: ParleyClient,
    readonly id: string,
  ) {
    this.#pages = followPages(pollMessages(client, id, POLL_SECONDS), { retries: 0 })
  }

  /** The next message of `type` after the last one `next` returned, waiting for it up to `timeoutMs`. */
  async next<T extends MessageType>(type: T, timeoutMs = 10_000): Promise<Of<T>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.messages.findIndex((message, position) => position >= this.#consumed && message.type === type)
      const found = this.messages[index]
      if (found) {
        this.#consumed = index + 1
        return found as Of<T>
      }
      if (this.#done) throw new Error(`run finished without another ${type}; log: ${this.describe()}`)
      if (Date.now() > deadline) throw new Error(`no ${type} within ${timeoutMs} ms; log: ${this.describe()}`)
      await this.poll()
    }
  }

  /** Follows the log until the run has finished and every message is read; returns the run. */
  async finish(timeoutMs = 15_000): Promise<Run> {
    const deadline = Date.now() + timeoutMs
    while (!this.#done) {
      if (Date.now() > deadline) throw new Error(`run did not finish within ${timeoutMs} ms; log: ${this.describe()}`)
      await this.poll()
    }
    return this.get()
  }

  async reply(question: Message, answer: Answer): Promise<void> {
    const { error, response } = await this.client.reply(this.id, question.id, answer)
    if (response.status !== 201) throw new Error(`reply answered ${response.status}: ${JSON.stringify(error)}`)
  }

  async cancel(): Promise<number> {
    return (await this.client.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: this.id } } })).response.status
  }

  async get(): Promise<Run> {
    const { data: run, error, response } = await this.client.GET('/v1/runs/{run_id}', { params: { path: { run_id: this.id } } })
    if (!run) throw new Error(`getRun answered ${response.status}: ${JSON.stringify(error)}`)
    return run
  }

  /** `type sender→recipient` of every message read, for assertion messages. */
  describe(): string {
    return this.messages.map((m) => `${m.seq} ${m.type} ${m.sender ?? '-'}→${m.recipient ?? '-'}`).join(', ')
  }

  /** One page of the log (held up to a second when there is nothing new). */
  async poll(): Promise<void> {
    const page = await this.#pages.next()
    if (page.done) this.#done = true
    else this.messages.push(...page.value.messages)
  }
}

/** The text messages of a log as `sender→recipient: body`. */
export function chatLines(messages: Message[]): string[] {
  return messages.flatMap((m) => (m.type === 'text_message' ? [`${m.sender}→${m.recipient}: ${m.content.body}`] : []))
}
