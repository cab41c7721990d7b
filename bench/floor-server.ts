import { randomUUID } from 'node:crypto'
import http from 'node:http'
import { parseArgs } from 'node:util'

/**
 * The floor: the least a long-poll server can do, on bare `node:http` — runs in a Map, each an
 * in-memory message list and the responses waiting on it. It speaks the same paths and JSON
 * shapes as Parley for the bench's two workflows (`ping_pong`, `one_question`), so one load
 * generator drives both and every Parley figure can be read as a multiple of this one.
 *
 *   node --import tsx bench/floor-server.ts --port 8100
 */

interface FloorMessage {
  id: string
  seq: number
  run_id: string
  type: string
  sender: string | null
  recipient: string | null
  auto_reply: boolean
  created_at: string
  content: Record<string, unknown>
}

interface Waiter {
  res: http.ServerResponse
  after: number
  limit: number
  timer: NodeJS.Timeout
}

interface FloorRun {
  id: string
  workflow: 'ping_pong' | 'one_question'
  status: 'running' | 'awaiting_input' | 'completed'
  log: FloorMessage[]
  question: string | null
  waiters: Set<Waiter>
}

const MAX_WAIT_SECONDS = 60
const runs = new Map<string, FloorRun>()

function append(run: FloorRun, type: string, content: Record<string, unknown>): FloorMessage {
  const message: FloorMessage = {
    id: randomUUID(),
    seq: run.log.length + 1,
    run_id: run.id,
    type,
    sender: type === 'reply' ? 'User' : 'Bench',
    recipient: type === 'reply' ? 'Bench' : 'User',
    auto_reply: false,
    created_at: new Date().toISOString(),
    content,
  }
  run.log.push(message)
  if (type === 'text_input') {
    run.question = message.id
    run.status = 'awaiting_input'
  }
  return message
}

function ask(run: FloorRun): void {
  append(run, 'text_input', { prompt: run.workflow === 'ping_pong' ? 'ping?' : 'A question?', suggestions: [], password: false })
}

function complete(run: FloorRun, result: string): void {
  run.status = 'completed'
  append(run, 'workflow_completed', { result })
}

function page(run: FloorRun, after: number, limit: number) {
  const messages = run.log.slice(after, after + limit)
  const last = messages.at(-1)
  return { messages, next_after: last ? last.seq : Math.min(after, run.log.length), run_status: run.status, last_seq: run.log.length }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function wake(run: FloorRun): void {
  for (const waiter of run.waiters) {
    clearTimeout(waiter.timer)
    send(waiter.res, 200, page(run, waiter.after, waiter.limit))
  }
  run.waiters.clear()
}

function createRun(workflow: unknown): FloorRun | null {
  if (workflow !== 'ping_pong' && workflow !== 'one_question') return null
  const run: FloorRun = { id: randomUUID(), workflow, status: 'running', log: [], question: null, waiters: new Set() }
  runs.set(run.id, run)
  append(run, 'workflow_started', { name: workflow, description: '', params: {} })
  ask(run)
  return run
}

function reply(run: FloorRun, questionId: unknown, answer: unknown): FloorMessage | null {
  if (run.question === null || run.question !== questionId || typeof answer !== 'string') return null
  run.question = null
  run.status = 'running'
  const recorded = append(run, 'reply', { question_id: questionId, answer })
  if (run.workflow === 'one_question') complete(run, `answered ${answer}`)
  else if (answer === 'stop') complete(run, 'stopped')
  else {
    append(run, 'text_message', { body: `pong ${answer}` })
    ask(run)
  }
  wake(run)
  return recorded
}

function listMessages(run: FloorRun, query: URLSearchParams, res: http.ServerResponse): void {
  const after = Number(query.get('after') ?? 0)
  const limit = Number(query.get('limit') ?? 100)
  const wait = Math.min(Number(query.get('wait') ?? 0), MAX_WAIT_SECONDS)
  if (run.log.length > after || run.status === 'completed' || !(wait > 0)) {
    send(res, 200, page(run, after, limit))
    return
  }
  const waiter: Waiter = {
    res,
    after,
    limit,
    timer: setTimeout(() => {
      run.waiters.delete(waiter)
      send(res, 200, page(run, after, limit))
    }, wait * 1000),
  }
  run.waiters.add(waiter)
  res.on('close', () => {
    clearTimeout(waiter.timer)
    run.waiters.delete(waiter)
  })
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      try {
        resolve(chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch (error) {
        reject(error)
      }
    })
    req.on('error', reject)
  })
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const [path = '', search = ''] = (req.url ?? '').split('?')
  const parts = path.split('/')
  if (path === '/healthz') return send(res, 200, { status: 'ok' })
  if (req.method === 'POST' && (path === '/v1/runs' || (parts[2] === 'workflows' && parts[4] === 'runs'))) {
    const body = await readJson(req)
    const run = createRun(parts[2] === 'workflows' ? parts[3] : body.workflow)
    return run ? send(res, 201, { id: run.id, workflow: run.workflow, status: run.status, last_seq: run.log.length }) : send(res, 404, {})
  }
  const run = parts[2] === 'runs' && parts[3] !== undefined ? runs.get(parts[3]) : undefined
  if (!run) return send(res, 404, {})
  if (req.method === 'GET' && parts[4] === 'messages') return listMessages(run, new URLSearchParams(search), res)
  if (req.method === 'POST' && parts[4] === 'replies') {
    const body = await readJson(req)
    const recorded = reply(run, body.question_id, body.answer)
    return recorded ? send(res, 201, recorded) : send(res, 409, {})
  }
  send(res, 404, {})
}

const { values } = parseArgs({ options: { port: { type: 'string', default: '8100' }, host: { type: 'string', default: '127.0.0.1' } } })
const server = http.createServer((req, res) => {
  handle(req, res).catch(() => send(res, 400, {}))
})
server.listen(Number(values.port), values.host, () => console.log(`floor: serving on http://${values.host}:${values.port}`))
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
