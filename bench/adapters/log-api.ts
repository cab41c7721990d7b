import type { HttpClient } from '../http-client.ts'
import { expectOk } from '../http-client.ts'

/**
 * Parley's v1 paths, which the floor speaks too: create a run, follow its log with the
 * long-poll, reply to its question. The bench reads only the envelope fields it needs.
 */

export interface WireMessage {
  id: string
  seq: number
  type: string
}

export interface MessagePage {
  messages: WireMessage[]
  next_after: number
  run_status: string
}

const FINISHED = new Set(['completed', 'failed', 'cancelled'])

export const isFinished = (status: string) => FINISHED.has(status)

export function createLogApi(http: HttpClient) {
  return {
    async createRun(workflow: string): Promise<string> {
      const run = await expectOk<{ id: string }>(http.request('POST', '/v1/runs', { workflow, params: {} }), 'createRun')
      return run.id
    },
    poll(runId: string, after: number, waitSeconds: number, onSent?: () => void): Promise<MessagePage> {
      const path = `/v1/runs/${runId}/messages?after=${after}&wait=${waitSeconds}&limit=100`
      return expectOk<MessagePage>(http.request('GET', path, undefined, { timeoutMs: (waitSeconds + 10) * 1000, onSent }), 'listMessages')
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
  let after = 0
  let replied = false
  for (let polls = 0; polls < 100; polls++) {
    const page = await api.poll(runId, after, 30)
    after = page.next_after
    if (isFinished(page.run_status)) {
      if (!replied || page.run_status !== 'completed') throw new Error(`run ${runId} ended ${page.run_status}`)
      return
    }
    const question = page.messages.find((message) => message.type === 'text_input')
    if (question && !replied) {
      await api.reply(runId, question.id, 'yes')
      replied = true
    }
  }
  throw new Error(`run ${runId} did not complete within 100 polls`)
}
