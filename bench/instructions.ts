import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { logApiRoundTrip } from './adapters/log-api.ts'
import { createHttpClient } from './http-client.ts'
import { SERVER_CPU } from './machine.ts'
import { PARLEY_BIN } from './parley-command.ts'
import type { Launched } from './processes.ts'
import { freePort, launch, waitForHttp } from './processes.ts'
import { parleyEnv, REPO } from './targets.ts'

/**
 * The regression guard of `npm run bench -- --quick`: the server's work per message and per round
 * trip counted in **instructions** by valgrind's callgrind, not timed. A count is the same for
 * the same code and inputs whatever else the machine does (a loaded CI core, a noisy neighbour),
 * so a committed figure can be held to 1.5× without flaking; the CPU µs the bench reads from
 * /proc varied by 1.45× between two quick runs of the same code here, too much to hold to that.
 *
 * Each scenario starts `parley serve` under callgrind with counting off, warms it up (the JIT
 * compiles the hot path), turns counting on (`callgrind_control -i on`), drives a fixed amount of
 * work, and dumps: the total over the work is the figure.
 */

export interface InstructionScenario {
  name: string
  /** What one unit of work is, for the report. */
  unit: 'round trip' | 'message'
  store: 'memory' | 'sqlite'
  /** Units of work before counting, and counted. */
  warmup: number
  counted: number
  /** Does `units` units of work against the server; resolves with how many messages the client received. */
  work(baseUrl: string, units: number): Promise<number>
}

/** A fixed load: `clients` loops of human-in-the-loop round trips (create → question → reply → completed). */
async function roundTrips(baseUrl: string, units: number): Promise<number> {
  const clients = 4
  const http = createHttpClient(baseUrl, clients * 2)
  let left = units
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (left > 0) {
          left--
          await logApiRoundTrip(http)
        }
      }),
    )
  } finally {
    http.close()
  }
  return units
}

/**
 * A conversation of `ping_pong`: reply → text message → next question, `units` messages delivered
 * on the long-poll (each reply brings its own message, the pong and the next question).
 */
async function conversation(baseUrl: string, units: number): Promise<number> {
  const http = createHttpClient(baseUrl, 4)
  try {
    const created = await http.request('POST', '/v1/runs', { workflow: 'ping_pong', params: {} })
    const runId = (created.body as { id: string }).id
    let after = 0
    let delivered = 0
    while (delivered < units) {
      const page = (await http.request('GET', `/v1/runs/${runId}/messages?after=${after}&wait=30&limit=100`)).body as {
        messages: { id: string; type: string }[]
        next_after: number
      }
      after = page.next_after
      delivered += page.messages.length
      const question = page.messages.findLast((message) => message.type === 'text_input')
      if (question) await http.request('POST', `/v1/runs/${runId}/replies`, { question_id: question.id, answer: 'ping' })
    }
    await http.request('POST', `/v1/runs/${runId}/cancel`)
    return delivered
  } finally {
    http.close()
  }
}

export const INSTRUCTION_SCENARIOS: InstructionScenario[] = [
  { name: 'round trip, memory', unit: 'round trip', store: 'memory', warmup: 300, counted: 200, work: roundTrips },
  { name: 'round trip, sqlite', unit: 'round trip', store: 'sqlite', warmup: 300, counted: 200, work: roundTrips },
  { name: 'message, memory', unit: 'message', store: 'memory', warmup: 1500, counted: 1000, work: conversation },
]

export interface InstructionResult {
  scenario: string
  unit: string
  /** Instructions the server executed per unit of work. */
  per_unit: number
  counted_units: number
  error: string | null
}

/** Whether callgrind is there to count with. */
export function hasCallgrind(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v valgrind && command -v callgrind_control'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export async function countInstructions(
  scenario: InstructionScenario,
  workDir: string,
  log: (line: string) => void,
): Promise<InstructionResult> {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const outDir = join(workDir, `callgrind-${scenario.store}-${scenario.unit.replace(' ', '-')}`)
  execFileSync('mkdir', ['-p', outDir])
  const store = scenario.store === 'memory' ? ['--store', 'memory'] : ['--store', 'sqlite', '--db', join(outDir, 'parley.db')]
  const command = [
    'valgrind',
    '--tool=callgrind',
    '--instr-atstart=no',
    `--callgrind-out-file=${join(outDir, 'callgrind.out')}`,
    'node',
    PARLEY_BIN,
    'serve',
    'bench/workflows.ts',
    ...store,
    '--port',
    String(port),
  ]
  const env = parleyEnv()
  let server: Launched | undefined
  try {
    server = launch(`callgrind ${scenario.name}`, command, { cwd: REPO, env, cpu: SERVER_CPU, logFile: join(outDir, 'server.log') })
    // Under valgrind, starting takes a minute or two.
    await waitForHttp(`${baseUrl}/healthz`, server, 600_000)
    await scenario.work(baseUrl, scenario.warmup)
    execFileSync('callgrind_control', ['-i', 'on', String(server.pid)], { stdio: 'ignore' })
    const units = await scenario.work(baseUrl, scenario.counted)
    execFileSync('callgrind_control', ['-d', String(server.pid)], { stdio: 'ignore' })
    const total = dumpedTotal(outDir)
    log(`instructions: ${scenario.name}: ${total.toLocaleString('en-US')} over ${units} ${scenario.unit}s`)
    return { scenario: scenario.name, unit: scenario.unit, per_unit: Math.round(total / units), counted_units: units, error: null }
  } catch (error) {
    return { scenario: scenario.name, unit: scenario.unit, per_unit: 0, counted_units: 0, error: (error as Error).message }
  } finally {
    await server?.stop(5000)
  }
}

/** The `totals:` of the dump callgrind_control asked for (`callgrind.out.<pid>.1`, or one without the pid). */
function dumpedTotal(outDir: string): number {
  const dumps = readdirSync(outDir).filter((file) => /^callgrind\.out.*\.\d+$/.test(file))
  const dump = dumps.sort().at(-1)
  if (!dump) throw new Error(`no callgrind dump in ${outDir}`)
  const match = /^totals: (\d+)/m.exec(readFileSync(join(outDir, dump), 'utf8'))
  if (!match?.[1]) throw new Error(`no totals in ${dump}`)
  return Number(match[1])
}

/** How far over its committed figure a scenario may go before the guard fails. */
export const GUARD_RATIO = 1.5
export const BASELINE_FILE = join(REPO, 'bench', 'instructions-baseline.json')

export interface GuardLine extends InstructionResult {
  baseline: number | null
  ratio: number | null
  passed: boolean
}

/** Each result against the committed figure of its scenario: failed when over GUARD_RATIO×, errored, or with no figure to hold it to. */
export function guard(results: InstructionResult[], baseline: Record<string, number>): GuardLine[] {
  return results.map((result) => {
    const committed = baseline[result.scenario] ?? null
    const ratio = committed && !result.error ? result.per_unit / committed : null
    return { ...result, baseline: committed, ratio, passed: ratio !== null && ratio <= GUARD_RATIO }
  })
}

export function readBaseline(): Record<string, number> {
  try {
    const file = JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as { instructions_per_unit: Record<string, number> }
    return file.instructions_per_unit
  } catch {
    return {}
  }
}

export function renderGuard(lines: GuardLine[]): string {
  const rows = lines.map((line) => {
    const figure = line.error ? `failed: ${line.error.split('\n')[0]}` : `${line.per_unit.toLocaleString('en-US')} per ${line.unit}`
    const against = line.baseline === null ? 'no committed figure' : `committed ${line.baseline.toLocaleString('en-US')}`
    const ratio = line.ratio === null ? '' : ` = ${line.ratio.toFixed(2)}×`
    return `  ${line.passed ? 'ok  ' : 'FAIL'}  ${line.scenario.padEnd(20)} ${figure}; ${against}${ratio}`
  })
  return [`5. Instructions the server executes (callgrind; the guard fails over ${GUARD_RATIO}× the committed figure)`, ...rows].join('\n')
}
