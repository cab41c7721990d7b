import type { FollowPagesOptions, MessagePage, PollPage } from '../../clients/typescript/index.ts'
import { followPages } from '../../clients/typescript/index.ts'
import type { HttpClient } from '../http-client.ts'
import { expectOk } from '../http-client.ts'

/**
 * Parley's v1 paths, which the floor speaks too: create a run, follow its log with the
 * long-poll, reply to its question. The log is followed with the clients' own cursor loop
 * (`followPages`), each page fetched by the bench's bare `node:http` agent.
 */

export interface FollowSpec extends Omit<FollowPagesOptions, 'isTransient'> {
  /** Seconds the server may hold each poll. */
  waitSeconds: number
  /** Called when each poll is on the wire, before its answer. */
  onSent?: () => void
  /** Called when each page has arrived (before the loop yields it), with `performance.now()`: latency ends here. */
  onReceived?: (at: number) => void
}

export function createLogApi(http: HttpClient) {
  /** `listMessages` as a `PollPage`; a status other than 2xx rejects. */
  const poll =
    (runId: string, spec: FollowSpec): PollPage =>
    async (after) => {
      const path = `/v1/runs/${runId}/messages?after=${after}&wait=${spec.waitSeconds}&limit=100`
      const timeoutMs = (spec.waitSeconds + 10) * 1000
      const page = await expectOk<MessagePage>(http.request('GET', path, undefined, { timeoutMs, onSent: spec.onSent }), 'listMessages')
      spec.onReceived?.(performance.now())
      return page
    }

  return {
    async createRun(workflow: string): Promise<string> {
      const run = await expectOk<{ id: string }>(http.request('POST', '/v1/runs', { workflow, params: {} }), 'createRun')
      return run.id
    },
    /**
     * The run's log, page by page, until it has finished (`followPages`). Under load any failure
     * (a timeout, a reset socket, a 5xx) is worth another try, so every one is retried.
     */
    follow(runId: string, spec: FollowSpec): AsyncGenerator<MessagePage, void, undefined> {
      return followPages(poll(runId, spec), { ...spec, isTransient: () => true })
    },
    async reply(runId: string, questionId: string, answer: string): Promise<void> {
      await expectOk(http.request('POST', `/v1/runs/${runId}/replies`, { question_id: questionId, answer }), 'replyToQuestion')
    },
  }
}

export type LogApi = ReturnType<typeof createLogApi>

/** One human-in-the-loop round trip: create → the question arrives → reply → the run completes. */
export async function logApiRoundTrip(http: HttpClient): Promise<void> {
  const api = createLogApi(http)
  const runId = await api.createRun('one_question')
  let replied = false
  let status = 'queued'
  let polls = 0
  for await (const page of api.follow(runId, { waitSeconds: 30, retries: 0 })) {
    if (++polls > 100) throw new Error(`run ${runId} did not complete within 100 polls`)
    status = page.run_status
    const question = page.messages.find((message) => message.type === 'text_input')
    if (question && !replied) {
      await api.reply(runId, question.id, 'yes')
      replied = true
    }
  }
  if (!replied || status !== 'completed') throw new Error(`run ${runId} ended ${status}`)
}
