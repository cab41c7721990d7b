/**
 * Type-level tests of the TypeScript client (`parley-server/client`), checked by `tsc --noEmit`
 * (`npm run typecheck`, the first step of `npm test`). An `expectTypeOf` that does not hold, or an
 * `@ts-expect-error` line that compiles, fails the typecheck; nothing here runs.
 */
import { expectTypeOf } from 'vitest'
import type {
  Answer,
  FinishedStatus,
  KnownWorkflow,
  Message,
  MessagePage,
  ParamsOf,
  ParleyClient,
  Problem,
  Run,
  RunStatus,
} from '../../clients/typescript/index.ts'
import { createClient, isFinished } from '../../clients/typescript/index.ts'

const client = createClient({ baseUrl: 'http://parley.test' })
expectTypeOf(client).toEqualTypeOf<ParleyClient>()
// @ts-expect-error the base URL is required
createClient({ apiKey: 'key' })

// The example server's contract (generated/v1.d.ts), the default.
expectTypeOf<'greet'>().toExtend<KnownWorkflow>()
expectTypeOf<'echo'>().toExtend<KnownWorkflow>()
expectTypeOf<'{workflow_name}'>().not.toExtend<KnownWorkflow>()
expectTypeOf<ParamsOf<'greet'>>().toEqualTypeOf<{ greeting?: string }>()

async function startingRuns() {
  const started = await client.startRun('greet', { greeting: 'Hi' })
  expectTypeOf(started.data).toEqualTypeOf<Run | undefined>()
  expectTypeOf(started.error).toEqualTypeOf<Problem | undefined>()
  await client.startRun('greet')
  await client.startRun('greet', {}, { idempotencyKey: 'order-4711' })
  // @ts-expect-error greet's greeting is a string
  await client.startRun('greet', { greeting: 1 })
  // @ts-expect-error greet has no param `name`
  await client.startRun('greet', { name: 'Ada' })
  // A workflow the types do not know (registered after the client was generated) takes any params.
  await client.startRun('a_workflow_of_my_own', { anything: 1 })
  // The per-workflow operation is typed too.
  await client.POST('/v1/workflows/greet/runs', { body: { params: { greeting: 'Hi' } } })
  // @ts-expect-error greet's greeting is a string
  await client.POST('/v1/workflows/greet/runs', { body: { params: { greeting: 1 } } })
}

// Messages narrow on `type`, as the union in the contract says.
async function following(runId: string) {
  for await (const message of client.messages(runId, { wait: 25, after: 2 })) {
    expectTypeOf(message).toEqualTypeOf<Message>()
    if (message.type === 'multiple_choice') {
      expectTypeOf(message.content.choices).toEqualTypeOf<string[]>()
      expectTypeOf(message.content.single).toEqualTypeOf<boolean>()
    }
    if (message.type === 'text_input') expectTypeOf(message.content.prompt).toEqualTypeOf<string>()
    if (message.type === 'text_message') {
      expectTypeOf(message.content.body).toEqualTypeOf<string>()
      // @ts-expect-error a text message has no choices
      message.content.choices
    }
  }
  expectTypeOf<Answer>().toEqualTypeOf<string | string[]>()
  await client.reply(runId, 'question-id', ['ham', 'olives'])
  // @ts-expect-error an answer is a string or a list of them
  await client.reply(runId, 'question-id', 42)
}

// isFinished narrows a status.
declare const status: RunStatus
if (isFinished(status)) expectTypeOf(status).toEqualTypeOf<FinishedStatus>()
else expectTypeOf(status).toEqualTypeOf<'queued' | 'running' | 'awaiting_input'>()
expectTypeOf<FinishedStatus>().toEqualTypeOf<'completed' | 'failed' | 'cancelled'>()

/**
 * Your own server's contract: a small `paths` as openapi-typescript writes it for
 * `parley spec ./my-workflows.ts`, with two workflows (`triage` needs a param, `notify` does not)
 * and one more route.
 */
interface MyPaths {
  '/v1/workflows/{workflow_name}': {
    get: {
      parameters: { path: { workflow_name: string } }
      responses: { 200: { headers: { [name: string]: unknown }; content: { 'application/json': { name: string } } } }
    }
  }
  '/v1/workflows/triage/runs': {
    post: {
      parameters: { header?: { 'idempotency-key'?: string } }
      requestBody: { content: { 'application/json': { params: { ticket: string; priority?: 'low' | 'high' } } } }
      responses: { 201: { headers: { [name: string]: unknown }; content: { 'application/json': Run } } }
    }
  }
  '/v1/workflows/notify/runs': {
    post: {
      parameters: { header?: { 'idempotency-key'?: string } }
      requestBody?: { content: { 'application/json': { params?: { channel?: string } } } }
      responses: { 201: { headers: { [name: string]: unknown }; content: { 'application/json': Run } } }
    }
  }
  '/v1/tickets/{ticket_id}': {
    get: {
      parameters: { path: { ticket_id: string } }
      responses: { 200: { headers: { [name: string]: unknown }; content: { 'application/json': { id: string; title: string } } } }
    }
  }
}

expectTypeOf<KnownWorkflow<MyPaths>>().toEqualTypeOf<'triage' | 'notify'>()
expectTypeOf<ParamsOf<'triage', MyPaths>>().toEqualTypeOf<{ ticket: string; priority?: 'low' | 'high' }>()
expectTypeOf<ParamsOf<'notify', MyPaths>>().toEqualTypeOf<{ channel?: string }>()

async function myOwnContract() {
  const mine = createClient<MyPaths>({ baseUrl: 'http://parley.test' })
  expectTypeOf(mine).toEqualTypeOf<ParleyClient<MyPaths>>()

  const { data: run } = await mine.startRun('triage', { ticket: 'T-1', priority: 'high' })
  expectTypeOf(run).toEqualTypeOf<Run | undefined>()
  // @ts-expect-error triage needs a ticket
  await mine.startRun('triage', {})
  // @ts-expect-error triage needs its params
  await mine.startRun('triage')
  // @ts-expect-error priority is low or high
  await mine.startRun('triage', { ticket: 'T-1', priority: 'urgent' })
  await mine.startRun('notify')
  await mine.startRun('notify', { channel: '#ops' }, { idempotencyKey: 'n-1' })
  // greet is a workflow of the example server, not of this contract: unknown here, so any params.
  expectTypeOf<'greet'>().not.toExtend<KnownWorkflow<MyPaths>>()
  await mine.startRun('greet', { anything: 1 })

  // Every other call is typed by the same contract.
  const { data: ticket } = await mine.GET('/v1/tickets/{ticket_id}', { params: { path: { ticket_id: 'T-1' } } })
  expectTypeOf(ticket).toEqualTypeOf<{ id: string; title: string } | undefined>()
  // @ts-expect-error the path param is named ticket_id
  await mine.GET('/v1/tickets/{ticket_id}', { params: { path: { id: 'T-1' } } })
  // @ts-expect-error this contract has no such route
  await mine.GET('/v1/nowhere')

  // The helpers that every Parley server has stay typed by the core contract.
  for await (const message of mine.messages('run-id')) {
    if (message.type === 'text_input') await mine.reply('run-id', message.id, 'yes')
  }
  for await (const page of mine.pages('run-id', { wait: 25 })) {
    expectTypeOf(page).toEqualTypeOf<MessagePage>()
    expectTypeOf(page.run_status).toEqualTypeOf<RunStatus>()
  }
}

export { following, myOwnContract, startingRuns }

// streamMessages yields messages, and with `deltas: true` the live text of replies too.
export async function streamedItems(client: ReturnType<typeof createClient>, runId: string) {
  for await (const message of client.streamMessages(runId)) {
    // @ts-expect-error without `deltas`, no text_delta comes
    if (message.type === 'text_delta') return message
  }
  for await (const item of client.streamMessages(runId, { deltas: true })) {
    if (item.type === 'text_delta') {
      const ref: string = item.message_ref
      const index: number = item.index
      return [ref, index]
    }
  }
  return null
}

// The inbox is typed: its query's status is one of the question states, its items carry the run's summary.
export async function inbox(client: ReturnType<typeof createClient>) {
  // @ts-expect-error not a question status
  await client.questions({ status: 'later' })
  const { data } = await client.questions({ status: 'pending', wait: 30 })
  const first = data?.questions[0]
  if (first) {
    const runId: string = first.run.id
    const mine: boolean = first.mine
    return [runId, mine, first.question.content.prompt]
  }
  return null
}
