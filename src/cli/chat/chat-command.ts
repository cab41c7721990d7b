import type { ParleyClient } from '../../../clients/typescript/index.ts'
import { createClient } from '../../../clients/typescript/index.ts'
import { CliError } from '../cli-error.ts'
import type { ChatOptions } from './chat-options.ts'
import { parseChatOptions } from './chat-options.ts'
import { chatSession } from './chat-session.ts'
import { createConsoleInput } from './console-input.ts'
import { failureLine, problemLine } from './problems.ts'

/**
 * `parley chat WORKFLOW` / `parley chat --run RUN_ID`: a console client. Starts a run (or attaches
 * to one), prints its messages as they come, asks its questions at the prompt, and exits with the
 * run: 0 completed, 1 failed or cancelled, 130 left going with Ctrl-C. It speaks to the server only
 * through the published TypeScript client, so it works against any Parley server.
 */
export async function chatCommand(args: string[]): Promise<void> {
  const options = parseChatOptions(args)
  if (!options) return
  const client = createClient({ baseUrl: options.url, ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }) })
  const runId = await runToFollow(client, options)
  const write = (text: string) => void process.stdout.write(text)
  const input = createConsoleInput(process.stdin, write)
  let code: number
  try {
    code = await chatSession({ client, runId, url: options.url, input, write })
  } finally {
    input.close()
  }
  // The event stream's or a held poll's socket may still be open: the session is over, so is the process.
  process.exit(code)
}

/** The run to follow: one just started, or the one `--run` names once the server says it exists. */
async function runToFollow(client: ParleyClient, options: ChatOptions): Promise<string> {
  try {
    if (options.start) {
      const { data: run, error } = await client.startRun(options.start.workflow, options.start.params)
      if (run) return run.id
      throw new CliError(`cannot start ${options.start.workflow}: ${problemLine(error)}`)
    }
    const runId = options.runId ?? ''
    const { data: run, error } = await client.GET('/v1/runs/{run_id}', { params: { path: { run_id: runId } } })
    if (run) return run.id
    throw new CliError(`cannot attach to run ${runId}: ${problemLine(error)}`)
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError(failureLine(error, options.url))
  }
}
