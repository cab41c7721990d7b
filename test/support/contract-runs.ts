import type { MessagePage, PollPage } from '../../clients/typescript/index.ts'
import { followPages } from '../../clients/typescript/index.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import type { Checked } from './contract.ts'
import { call } from './contract.ts'
import { waitFor } from './wait-for.ts'

/**
 * Driving runs through the contract-checked `call`: every response on the way is validated
 * against `openapi/v1.json`. `target` is an app (in-process) or a real server's base URL.
 */

type Target = ParleyApp | string

/** Enough long-polls for any test workflow; a hung run fails the test instead of hanging it. */
const MAX_POLLS = 200

/** Starts a run with `POST /v1/runs` and expects 201; returns the run. */
export async function startRun(target: Target, workflow: string, params?: Record<string, unknown>) {
  const created = await call(target, 'POST', '/v1/runs', { body: params === undefined ? { workflow } : { workflow, params } })
  if (created.status !== 201) throw new Error(`createRun answered ${created.status}: ${JSON.stringify(created.body)}`)
  return created.body
}

/** Follows the run's cursor from `after` (pages of `limit`) until it has finished and every message was read. */
export async function readLog(target: Target, runId: string, after = 0, limit = 100) {
  // biome-ignore lint/suspicious/noExplicitAny: the contract checked every message's shape
  const messages: any[] = []
  let polls = 0
  for await (const page of followPages(logPoll(target, runId, { wait: 5, limit }), { after, retries: 0 })) {
    messages.push(...page.messages)
    if (++polls >= MAX_POLLS) throw new Error(`run ${runId} did not finish`)
  }
  return messages
}

/** Long-polls until the run waits on a question; returns the question (from `getRun`). */
export async function nextQuestion(target: Target, runId: string) {
  const getRun = async () => {
    const run = await read(target, `/v1/runs/${runId}`)
    if (run.status !== 200) throw new Error(`getRun answered ${run.status}: ${JSON.stringify(run.body)}`)
    return run.body
  }
  let run = await getRun()
  if (run.pending_question) return run.pending_question
  // Each new page of the log is a moment the run may have asked: look again then, and only then.
  let polls = 0
  for await (const _page of followPages(logPoll(target, runId, { wait: 5 }), { after: run.last_seq, retries: 0 })) {
    run = await getRun()
    if (run.pending_question) return run.pending_question
    if (++polls >= MAX_POLLS) throw new Error(`run ${runId} never asked a question`)
  }
  throw new Error(`run ${runId} finished (${(await getRun()).status}) without asking`)
}

/** Answers and expects the reply to be recorded (201). */
export async function answer(target: Target, runId: string, questionId: string, value: string | string[]) {
  const reply = await call(target, 'POST', `/v1/runs/${runId}/replies`, { body: { question_id: questionId, answer: value } })
  if (reply.status !== 201) throw new Error(`replyToQuestion answered ${reply.status}: ${JSON.stringify(reply.body)}`)
  return reply.body
}

/** Waits for the run to finish; returns the run. */
export async function finished(target: Target, runId: string) {
  await readLog(target, runId)
  return (await call(target, 'GET', `/v1/runs/${runId}`)).body
}

/** `listMessages` through `call` (checked against the contract), as a `PollPage` for `followPages`. */
export function logPoll(target: Target, runId: string, query: { wait: number; limit?: number }): PollPage {
  const limit = query.limit === undefined ? '' : `&limit=${query.limit}`
  return async (after): Promise<MessagePage> => (await listMessages(target, runId, `after=${after}&wait=${query.wait}${limit}`)).body
}

export async function listMessages(target: Target, runId: string, query: string): Promise<Checked> {
  const page = await read(target, `/v1/runs/${runId}/messages?${query}`)
  if (page.status !== 200) throw new Error(`listMessages answered ${page.status}: ${JSON.stringify(page.body)}`)
  return page
}

/** Waits until the server holds `count` long-polls open (its `/healthz` gauge): they are waiting, not yet answered. */
export async function untilHeldPolls(target: Target, count: number): Promise<void> {
  const held = async () => (await call(target, 'GET', '/healthz')).body.held_polls as number
  await waitFor(async () => (await held()) >= count, `${count} held polls`, { everyMs: 50, detail: held })
}

/** The `field` of each entry in a problem's `errors`. */
export const fieldsOf = (problem: { errors?: { field: string }[] }) => (problem.errors ?? []).map((error) => error.field)

/**
 * A GET, retried as the contract tells a client to: a 503 (the database out of reach for a moment,
 * e.g. every pooled connection busy on a loaded machine) after its `Retry-After`, a few times.
 */
async function read(target: Target, path: string): Promise<Checked> {
  for (let attempt = 1; ; attempt++) {
    const response = await call(target, 'GET', path)
    if (response.status !== 503 || attempt === 5) return response
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000))
  }
}
