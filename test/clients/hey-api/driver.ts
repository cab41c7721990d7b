/**
 * A Parley client nobody here wrote: it uses only what @hey-api/openapi-ts generated from
 * openapi/v1.json into ./client (SDK, fetch client, types, zod schemas).
 * test/clients/hey-api-client.test.ts copies it next to the generated code, typechecks both with
 * `tsc --strict`, and runs it against a live server:
 *
 *     tsx driver.ts http://127.0.0.1:8008        (PARLEY_API_KEY set when the server wants a key)
 *
 * It lists the workflows, starts a `greet` run with the per-workflow operation and an `echo` run with
 * `createRun`, follows each run's log by long-polling `listMessages` from `next_after`, answers the
 * questions with `replyToQuestion`, and prints one JSON line per thing it saw, for the test to read.
 * Each SDK call checks its response with the generated zod schema (the SDK's response validator).
 */
import { client } from './client/client.gen.js'
import type { Message, RunStatus } from './client/index.js'
import { createGreetRun, createRun, getRun, listMessages, listWorkflows, replyToQuestion } from './client/index.js'
import { zRun } from './client/zod.gen.js'

const baseUrl = process.argv[2]
if (!baseUrl) throw new Error('usage: tsx driver.ts <base URL>')
// The base URL is given, not taken from the contract's `servers`, as for any deployment.
client.setConfig({ baseUrl, auth: process.env.PARLEY_API_KEY })

const FINISHED: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled'])

/** One line of what the driver saw. */
const print = (line: Record<string, unknown>) => console.log(JSON.stringify(line))

/** HTTP errors are values in the generated client: this ends the driver with one. */
function fail(operation: string, error: unknown): never {
  throw new Error(`${operation} failed: ${JSON.stringify(error)}`)
}

/** What the driver answers a question with; undefined for a message that is not one. */
function answerFor(message: Message): string | undefined {
  switch (message.type) {
    case 'text_input':
      return 'Ada'
    case 'multiple_choice':
      return message.content.choices[0]
    default:
      return undefined
  }
}

/** Follows a run's log from the start, answering its questions, until the run has finished and nothing is left. */
async function follow(runId: string): Promise<void> {
  let after = 0
  for (;;) {
    const page = await listMessages({ path: { run_id: runId }, query: { after, wait: 10 } })
    if (page.error) fail('listMessages', page.error)
    for (const message of page.data.messages) {
      print({ event: 'message', run_id: runId, id: message.id, seq: message.seq, type: message.type, content: message.content })
      const answer = answerFor(message)
      if (answer === undefined) continue
      const reply = await replyToQuestion({ path: { run_id: runId }, body: { question_id: message.id, answer } })
      if (reply.error) fail('replyToQuestion', reply.error)
      print({ event: 'replied', run_id: runId, question_id: message.id, answer, status: reply.response.status })
    }
    after = page.data.next_after
    if (page.data.messages.length === 0 && FINISHED.has(page.data.run_status)) return
  }
}

/** Prints the run as `getRun` returns it, parsed once more with the generated zod schema by hand. */
async function printRun(runId: string): Promise<void> {
  const { data, error } = await getRun({ path: { run_id: runId } })
  if (error) fail('getRun', error)
  const run = zRun.parse(data)
  print({ event: 'run', run_id: run.id, workflow: run.workflow, status: run.status, result: run.result })
}

const workflows = await listWorkflows()
if (workflows.error) fail('listWorkflows', workflows.error)
print({ event: 'workflows', names: workflows.data.workflows.map((workflow) => workflow.name) })

// The per-workflow operation: its body is typed with greet's own params.
const greet = await createGreetRun({ body: { params: { greeting: 'Hi' } } })
if (greet.error) fail('createGreetRun', greet.error)
print({ event: 'started', run_id: greet.data.id, workflow: greet.data.workflow, status: greet.response.status })
await follow(greet.data.id)
await printRun(greet.data.id)

// The generic operation, naming the workflow.
const echo = await createRun({ body: { workflow: 'echo', params: { text: 'hey from hey-api' } } })
if (echo.error) fail('createRun', echo.error)
print({ event: 'started', run_id: echo.data.id, workflow: echo.data.workflow, status: echo.response.status })
await follow(echo.data.id)
await printRun(echo.data.id)
