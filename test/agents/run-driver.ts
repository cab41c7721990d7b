import { afterAll, afterEach, beforeAll, vi } from 'vitest'
import { createApp } from '../../src/http/app.ts'
import type { Workflow } from '../../src/runtime/define-workflow.ts'
import type { Answer, Message, MessageType } from '../../src/schemas/messages.ts'
import type { Run } from '../../src/schemas/runs.ts'
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
  const start: StartRun = async (workflow, params = {}) => {
    const response = await post(`${server.url}/v1/workflows/${workflow}/runs`, { params })
    if (response.status !== 201) throw new Error(`createRun answered ${response.status}: ${JSON.stringify(response.body)}`)
    return new FollowedRun(server.url, (response.body as Run).id)
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

type Of<T extends MessageType> = Extract<Message, { type: T }>

const FINISHED = ['completed', 'failed', 'cancelled']

export class FollowedRun {
  /** Every message read so far, in seq order. */
  readonly messages: Message[] = []
  #after = 0
  #status = 'queued'
  #consumed = 0

  constructor(
    readonly baseUrl: string,
    readonly id: string,
  ) {}

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
      if (FINISHED.includes(this.#status) && this.#after >= (await this.get()).last_seq) {
        throw new Error(`run finished (${this.#status}) without another ${type}; log: ${this.describe()}`)
      }
      if (Date.now() > deadline) throw new Error(`no ${type} within ${timeoutMs} ms; log: ${this.describe()}`)
      await this.poll(1)
    }
  }

  /** Follows the log until the run has finished and every message is read; returns the run. */
  async finish(timeoutMs = 15_000): Promise<Run> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() <= deadline) {
      await this.poll(1)
      const run = await this.get()
      if (FINISHED.includes(run.status) && this.#after >= run.last_seq) return run
    }
    throw new Error(`run did not finish within ${timeoutMs} ms; log: ${this.describe()}`)
  }

  async reply(question: Message, answer: Answer): Promise<void> {
    const response = await post(`${this.baseUrl}/v1/runs/${this.id}/replies`, { question_id: question.id, answer })
    if (response.status !== 201) throw new Error(`reply answered ${response.status}: ${JSON.stringify(response.body)}`)
  }

  async cancel(): Promise<number> {
    return (await post(`${this.baseUrl}/v1/runs/${this.id}/cancel`, {})).status
  }

  async get(): Promise<Run> {
    return (await (await fetch(`${this.baseUrl}/v1/runs/${this.id}`)).json()) as Run
  }

  /** `type sender→recipient` of every message read, for assertion messages. */
  describe(): string {
    return this.messages.map((m) => `${m.seq} ${m.type} ${m.sender ?? '-'}→${m.recipient ?? '-'}`).join(', ')
  }

  async poll(waitSeconds: number): Promise<void> {
    const response = await fetch(`${this.baseUrl}/v1/runs/${this.id}/messages?after=${this.#after}&wait=${waitSeconds}`)
    const page = (await response.json()) as { messages: Message[]; next_after: number; run_status: string }
    this.messages.push(...page.messages)
    this.#after = page.next_after
    this.#status = page.run_status
  }
}

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, body: await response.json() }
}

/** The text messages of a log as `sender→recipient: body`. */
export function chatLines(messages: Message[]): string[] {
  return messages.flatMap((m) => (m.type === 'text_message' ? [`${m.sender}→${m.recipient}: ${m.content.body}`] : []))
}
