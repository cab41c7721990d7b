import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { GuardLine, InstructionResult } from './instructions.ts'
import { BASELINE_FILE, countInstructions, guard, hasCallgrind, INSTRUCTION_SCENARIOS, readBaseline, renderGuard } from './instructions.ts'
import { LOAD_CPU, machineInfo } from './machine.ts'
import { buildParley } from './parley-command.ts'
import { BENCH_DATABASE_URL } from './postgres-target.ts'
import { hasTaskset, killAll } from './processes.ts'
import type { BenchResults, PeerStatus } from './report.ts'
import { checkTargets, renderReport } from './report.ts'
import type { Windows } from './scenarios.ts'
import { converse, idleCapacity, roundTrips } from './scenarios.ts'
import type { PeerName, TargetContext, TargetName } from './targets.ts'
import { PEERS, REPO } from './targets.ts'

/**
 * `npm run bench` — Parley against the floor (bare node:http) and its peers, on loopback:
 * delivery latency, saturation, idle capacity and human-in-the-loop round trips.
 *
 *   npm run bench                      the full run (≈ 10 minutes)
 *   npm run bench -- --quick           under a minute, for CI: fewer runs, shorter windows, no peers
 *   npm run bench -- --peers           with --quick: install and run the peers anyway
 *   npm run bench -- --no-peers        without the peers
 *   npm run bench -- --only latency    one of latency, saturation, idle, roundtrip
 *   npm run bench -- --profile         Parley servers run with --cpu-prof (profiles in the printed folder)
 *   npm run bench -- --only instructions   the regression guard alone (part of --quick): instructions
 *                                      per message and per round trip, counted by callgrind, against
 *                                      bench/instructions-baseline.json; exits 1 over 1.5× a figure
 *   npm run bench -- --only instructions --record   writes the figures it counted as the new baseline
 *
 * Prints the table on stdout (progress on stderr) and writes bench/results/<timestamp>.json.
 */

interface Plan {
  windows: Windows
  latencyRuns: number[]
  saturationRuns: number
  saturationTargets: TargetName[]
  idleRuns: number
  idleProbes: number
  idleReps: number
  clients: number
}

/**
 * Replies per second all runs together send in the latency scenario, whatever N: well below what
 * either server can take, so scenario 1 measures delivery with N runs active, not queueing (that
 * is scenario 2). A fixed 10 ms think time would offer 1,000 runs 100,000 replies a second.
 */
const PACED_REPLIES_PER_SECOND = 200
const thinkMs = (runs: number) => Math.max(10, Math.round((runs / PACED_REPLIES_PER_SECOND) * 1000))

const FULL: Plan = {
  windows: { warmupMs: 2000, windowMs: 4000, windows: 3 },
  latencyRuns: [1, 100, 1000, 10_000],
  saturationRuns: 100,
  saturationTargets: ['floor', 'parley-memory', 'parley-sqlite'],
  idleRuns: 10_000,
  idleProbes: 50,
  idleReps: 3,
  clients: 50,
}

const QUICK: Plan = {
  windows: { warmupMs: 500, windowMs: 1000, windows: 2 },
  latencyRuns: [100],
  saturationRuns: 50,
  saturationTargets: ['floor', 'parley-memory'],
  idleRuns: 500,
  idleProbes: 10,
  idleReps: 1,
  clients: 50,
}

const SCENARIOS = ['latency', 'saturation', 'idle', 'roundtrip', 'instructions'] as const

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    peers: { type: 'boolean' },
    'no-peers': { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    record: { type: 'boolean', default: false },
  },
})
const only = values.only
if (only !== undefined && !SCENARIOS.some((name) => name === only)) {
  console.error(`--only takes one of ${SCENARIOS.join(', ')}`)
  process.exit(2)
}
// The instruction guard takes minutes under valgrind: in --quick (CI) and when asked for, not in the full run.
const runs = (scenario: (typeof SCENARIOS)[number]) =>
  only === undefined ? scenario !== 'instructions' || values.quick : only === scenario
const plan = values.quick ? QUICK : FULL
const withPeers = values['no-peers'] ? false : (values.peers ?? !values.quick)

const log = (line: string) => process.stderr.write(`bench: ${line}\n`)

// Never leave a server behind: not on an error, not on Ctrl-C.
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping every process the bench started`)
    killAll()
    process.exit(130)
  })
}

// The orchestrator samples /proc and talks to the load generator: keep it off the server's core.
if (hasTaskset()) execFileSync('taskset', ['-p', '-c', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' })

const startedAt = new Date()
const workDir = mkdtempSync(join(tmpdir(), 'parley-bench-'))
const profileDir = values.profile ? join(workDir, 'profiles') : null
if (profileDir) mkdirSync(profileDir)
const context: TargetContext = { workDir, profileDir, log }
log(`${values.quick ? 'quick' : 'full'} run; logs in ${workDir}`)
buildParley(log)

const results: BenchResults = {
  mode: values.quick ? 'quick' : 'full',
  started_at: startedAt.toISOString(),
  wall_seconds: 0,
  machine: machineInfo(),
  windows: plan.windows,
  paced_replies_per_second: PACED_REPLIES_PER_SECOND,
  latency: [],
  saturation: [],
  idle: [],
  round_trips: [],
  peers: [],
  targets: [],
}

let guardLines: GuardLine[] = []

const describe = (outcome: { target: string; error: string | null }) => (outcome.error ? `failed: ${outcome.error.split('\n')[0]}` : 'ok')

try {
  if (runs('latency')) {
    for (const n of plan.latencyRuns) {
      // PostgreSQL at 100 runs: a worker's append reaching a poll held by the API process (LISTEN/NOTIFY).
      const withPostgres = BENCH_DATABASE_URL && n === 100 ? (['parley-postgres'] as const) : []
      for (const target of ['floor', 'parley-memory', ...withPostgres] as const) {
        log(`delivery latency: ${target}, ${n} runs, think ${thinkMs(n)} ms`)
        const outcome = await converse(target, n, thinkMs(n), plan.windows, context)
        results.latency.push({ ...outcome, runs: n, think_ms: thinkMs(n) })
        log(`  ${describe(outcome)}`)
      }
    }
  }
  if (runs('saturation')) {
    for (const target of plan.saturationTargets) {
      log(`saturation: ${target}, ${plan.saturationRuns} runs`)
      const outcome = await converse(target, plan.saturationRuns, 0, plan.windows, context)
      results.saturation.push({ ...outcome, runs: plan.saturationRuns })
      log(`  ${describe(outcome)}`)
    }
  }
  if (runs('idle')) {
    for (const target of ['floor', 'parley-memory'] as const) {
      log(`idle capacity: ${target}, ${plan.idleRuns} held polls × ${plan.idleReps}`)
      const outcome = await idleCapacity(target, plan.idleRuns, plan.idleProbes, plan.idleReps, context)
      results.idle.push(outcome)
      log(`  ${describe(outcome)}`)
    }
  }
  if (runs('roundtrip')) {
    const targets: TargetName[] = ['floor', 'parley-memory', 'parley-sqlite', 'parley-sqlite-nojournal']
    if (BENCH_DATABASE_URL) targets.push('parley-postgres')
    else log('round trips: parley-postgres left out (DATABASE_URL is not set)')
    for (const target of targets) {
      log(`round trips: ${target}, ${plan.clients} clients`)
      const outcome = await roundTrips(target, plan.clients, plan.windows, context)
      results.round_trips.push({ ...outcome, clients: plan.clients })
      log(`  ${describe(outcome)}`)
    }
    for (const name of Object.keys(PEERS) as PeerName[]) {
      const status: PeerStatus = { name, packages: PEERS[name].packages, status: 'skipped', reason: null }
      results.peers.push(status)
      if (!withPeers) {
        status.reason = values.quick ? 'not in --quick (add --peers)' : '--no-peers'
        continue
      }
      log(`round trips: ${name} (installed on demand into bench/.peers/${name}), ${plan.clients} clients`)
      const outcome = await roundTrips(name, plan.clients, plan.windows, context)
      results.round_trips.push({ ...outcome, clients: plan.clients })
      status.status = outcome.error ? 'failed' : 'ran'
      status.reason = outcome.error ? outcome.error.split('\n').slice(0, 3).join(' | ') : null
      log(`  ${describe(outcome)}`)
    }
  }
  if (runs('instructions')) {
    if (!hasCallgrind()) {
      log('instructions: valgrind (callgrind) is not installed; the guard did not run')
    } else {
      const counted: InstructionResult[] = []
      for (const scenario of INSTRUCTION_SCENARIOS) {
        log(`instructions: ${scenario.name} (callgrind: ${scenario.warmup} to warm up, ${scenario.counted} counted)`)
        counted.push(await countInstructions(scenario, workDir, log))
      }
      if (values.record) {
        const figures = Object.fromEntries(counted.filter((result) => !result.error).map((result) => [result.scenario, result.per_unit]))
        const recorded = { recorded_at: startedAt.toISOString(), node: process.version, instructions_per_unit: figures }
        writeFileSync(BASELINE_FILE, `${JSON.stringify(recorded, null, 2)}\n`)
        log(`instructions: recorded as the baseline in ${BASELINE_FILE}`)
      }
      guardLines = guard(counted, readBaseline())
    }
  }
} finally {
  killAll()
}

results.wall_seconds = (Date.now() - startedAt.getTime()) / 1000
results.targets = checkTargets(results)
const report = [renderReport(results), ...(guardLines.length > 0 ? [renderGuard(guardLines)] : [])].join('\n\n')
console.log(report)
const file = join(REPO, 'bench', 'results', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`)
mkdirSync(join(REPO, 'bench', 'results'), { recursive: true })
writeFileSync(file, `${JSON.stringify({ ...results, instructions: guardLines, report }, null, 2)}\n`)
log(`results written to ${file}${profileDir ? `; CPU profiles in ${profileDir}` : ''}`)
const failed = guardLines.filter((line) => !line.passed)
if (failed.length > 0) {
  log(`the instruction guard failed: ${failed.map((line) => line.scenario).join(', ')} (see 5. above)`)
  process.exit(1)
}
process.exit(0)
