import { loadChatConfig } from '../../config.ts'
import { parseCommandLine, USAGE_ERROR } from '../arguments.ts'
import { CliError } from '../cli-error.ts'

export const CHAT_USAGE = `Usage: parley chat WORKFLOW [--param key=value …] [options]
       parley chat --run RUN_ID [options]
  --param KEY=VALUE  a param of the run (repeatable); VALUE is read as JSON when it is (3, true, ["a"]), else as text
  --run RUN_ID       attach to a run already started: its log so far, then live
  --url URL          the Parley server (PARLEY_URL, default http://127.0.0.1:8008)
  --api-key KEY      sent as Authorization: Bearer KEY (PARLEY_API_KEY)
Ctrl-C asks whether to cancel the run; twice leaves it going. Exit code: 0 completed, 1 failed or cancelled, 130 left with Ctrl-C.`

/** What `parley chat` was asked to do. */
export interface ChatOptions {
  /** Start a run of this workflow with `params`… */
  start: { workflow: string; params: Record<string, unknown> } | null
  /** …or attach to this run. */
  runId: string | null
  url: string
  apiKey: string | undefined
}

/** Parses `parley chat`'s command line; null after `--help`. A mistake is a one-line CliError, exit code 2. */
export function parseChatOptions(args: string[]): ChatOptions | null {
  const parsed = parseCommandLine(args, CHAT_USAGE, {
    param: { type: 'string', multiple: true },
    run: { type: 'string' },
    url: { type: 'string' },
    'api-key': { type: 'string' },
  })
  if (!parsed) return null
  const { values, positionals } = parsed
  const config = loadChatConfig()
  const usage = (message: string) => new CliError(`${message}\n${CHAT_USAGE}`, USAGE_ERROR)
  if (positionals.length > 1) throw usage(`one workflow at a time, not "${positionals.join(' ')}"`)
  const workflow = positionals[0]
  const runId = values.run ?? null
  if (runId !== null && workflow !== undefined) throw usage('give a workflow to start a run, or --run to attach to one, not both')
  if (runId !== null && values.param !== undefined) throw usage('--param is for starting a run; --run attaches to one already started')
  if (runId === null && workflow === undefined) throw usage('which workflow? parley chat WORKFLOW, or parley chat --run RUN_ID')
  if (runId === '') throw usage('--run needs a run id')
  return {
    start: workflow === undefined ? null : { workflow, params: parseParams(values.param ?? [], usage) },
    runId,
    url: serverUrl(values.url ?? config.url, usage),
    apiKey: values['api-key'] ?? config.apiKey,
  }
}

/** `--param key=value`s as params: each value JSON when it parses as JSON, else the text as typed. */
export function parseParams(pairs: string[], usage: (message: string) => Error): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at <= 0) throw usage(`--param takes key=value, not "${pair}"`)
    params[pair.slice(0, at)] = jsonOrText(pair.slice(at + 1))
  }
  return params
}

function jsonOrText(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

/** An http(s) URL without a trailing slash (the client appends `/v1/…`). */
function serverUrl(raw: string, usage: (message: string) => Error): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw usage(`--url must be an http(s) URL such as http://127.0.0.1:8008, not "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage(`--url must be an http(s) URL, not "${raw}"`)
  return raw.replace(/\/+$/, '')
}
