import type { MachineInfo } from './machine.ts'
import type { IdleOutcome, ScenarioOutcome, WindowMeasure, Windows } from './scenarios.ts'
import type { Spread } from './stats.ts'
import { ratio, spread } from './stats.ts'
import type { TargetName } from './targets.ts'

/** What a bench run found, as written to bench/results/<timestamp>.json, and its table. */

export interface PeerStatus {
  name: string
  packages: readonly string[]
  status: 'ran' | 'failed' | 'skipped'
  reason: string | null
}

export interface TargetCheck {
  target: string
  status: 'met' | 'missed' | 'n/a'
  value: string
}

export interface BenchResults {
  mode: 'full' | 'quick'
  started_at: string
  wall_seconds: number
  machine: MachineInfo
  windows: Windows
  paced_replies_per_second: number
  latency: Array<ScenarioOutcome & { runs: number; think_ms: number }>
  saturation: Array<ScenarioOutcome & { runs: number }>
  idle: IdleOutcome[]
  round_trips: Array<ScenarioOutcome & { clients: number }>
  peers: PeerStatus[]
  targets: TargetCheck[]
}

const PARLEY: readonly TargetName[] = ['parley-memory', 'parley-sqlite', 'parley-sqlite-nojournal', 'parley-postgres']
const isParley = (name: TargetName) => PARLEY.includes(name)

/** Median [min–max] of one figure over the windows. */
function over(windows: readonly WindowMeasure[], pick: (window: WindowMeasure) => number): Spread {
  return spread(windows.map(pick))
}

const perSecond = (w: WindowMeasure, count: number) => (count / w.durationMs) * 1000

function num(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return '–'
  const places = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2)
  return value.toLocaleString('en-US', { minimumFractionDigits: places, maximumFractionDigits: places })
}

const range = (s: Spread, digits?: number) => (Number.isFinite(s.min) ? `${num(s.min, digits)}–${num(s.max, digits)}` : '–')
const times = (value: number) => (Number.isFinite(value) ? `${num(value, value >= 10 ? 0 : value >= 1 ? 2 : 3)}×` : '–')

/** Left-aligns the first `labels` columns, right-aligns the rest. */
function table(header: string[], rows: string[][], labels = 1): string[] {
  if (rows.length === 0) return ['  (not run)']
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (row: string[]) =>
    `  ${row.map((cell, column) => (column < labels ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')}`.trimEnd()
  return [line(header), ...rows.map(line)]
}

function errorNotes(outcomes: ReadonlyArray<ScenarioOutcome & { label: string }>): string[] {
  const notes: string[] = []
  for (const outcome of outcomes) {
    if (outcome.error) notes.push(`  ! ${outcome.label}: did not run — ${outcome.error.split('\n')[0]}`)
    const errors = outcome.windows.reduce((sum, w) => sum + w.errors, 0)
    const first = outcome.windows.find((w) => w.firstError)?.firstError
    if (errors > 0) notes.push(`  ! ${outcome.label}: ${errors} failed request(s) in the windows, first: ${first}`)
  }
  return notes
}

function latencySection(results: BenchResults): string[] {
  const header = ['runs', 'think', 'target', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p99 min–max', 'msgs/s', 'CPU %']
  const rows: string[][] = []
  for (const runs of [...new Set(results.latency.map((row) => row.runs))]) {
    const group = results.latency.filter((row) => row.runs === runs)
    const floor = group.find((row) => row.target === 'floor')
    for (const row of group) {
      const p = (pick: (w: WindowMeasure) => number) => over(row.windows, pick)
      const figures = [p((w) => w.latency.p50), p((w) => w.latency.p90), p((w) => w.latency.p99), p((w) => w.latency.max)]
      rows.push([
        String(runs),
        `${row.think_ms} ms`,
        row.target,
        ...figures.map((s) => num(s.median)),
        range(figures[2] ?? spread([])),
        num(p((w) => perSecond(w, w.messages)).median, 0),
        num(p((w) => w.cpu_percent).median, 0),
      ])
      if (floor && isParley(row.target)) {
        const f = (pick: (w: WindowMeasure) => number) => over(floor.windows, pick).median
        const floorFigures = [f((w) => w.latency.p50), f((w) => w.latency.p90), f((w) => w.latency.p99), f((w) => w.latency.max)]
        rows.push(['', '', '  ×floor', ...figures.map((s, i) => times(ratio(s.median, floorFigures[i] ?? Number.NaN))), '', '', ''])
      }
    }
  }
  return [
    '1. Delivery latency: reply sent → text message received on the held long-poll',
    `   think time per run = max(10 ms, runs ÷ ${results.paced_replies_per_second}/s), jittered ±50%: all runs together reply ≈${results.paced_replies_per_second}×/s`,
    ...table(header, rows, 3),
    ...errorNotes(results.latency.map((row) => ({ ...row, label: `${row.target} at ${row.runs} runs` }))),
  ]
}

function saturationSection(results: BenchResults): string[] {
  const header = ['runs', 'target', 'msgs/s', 'min–max', 'CPU %', 'CPU µs/msg', 'peak RSS MiB', 'p50 ms', 'p99 ms', 'load gen CPU %']
  const rows: string[][] = []
  const floor = results.saturation.find((row) => row.target === 'floor')
  const figures = (row: ScenarioOutcome) => ({
    rate: over(row.windows, (w) => perSecond(w, w.messages)),
    cpu: over(row.windows, (w) => w.cpu_percent),
    cost: over(row.windows, (w) => (w.cpu_seconds * 1e6) / w.messages),
    rss: over(row.windows, (w) => w.peak_rss_mib),
    p50: over(row.windows, (w) => w.latency.p50),
    p99: over(row.windows, (w) => w.latency.p99),
    load: over(row.windows, (w) => w.load_cpu_percent),
  })
  for (const row of results.saturation) {
    const f = figures(row)
    rows.push([
      String(row.runs),
      row.target,
      num(f.rate.median, 0),
      range(f.rate, 0),
      num(f.cpu.median, 0),
      num(f.cost.median, 1),
      num(f.rss.median, 0),
      num(f.p50.median),
      num(f.p99.median),
      num(f.load.median, 0),
    ])
    if (floor && isParley(row.target)) {
      const b = figures(floor)
      const r = (a: Spread, c: Spread) => times(ratio(a.median, c.median))
      rows.push([
        '',
        '  ×floor',
        r(f.rate, b.rate),
        '',
        r(f.cpu, b.cpu),
        r(f.cost, b.cost),
        r(f.rss, b.rss),
        r(f.p50, b.p50),
        r(f.p99, b.p99),
        '',
      ])
    }
  }
  return [
    '2. Saturation: the same loop with no think time (msgs/s counts every message the long-polls delivered)',
    ...table(header, rows, 2),
    ...errorNotes(results.saturation.map((row) => ({ ...row, label: `${row.target} at ${row.runs} runs` }))),
  ]
}

function idleFigures(row: IdleOutcome) {
  return {
    perPoll: spread(row.reps.map((r) => r.kib_per_held_poll)),
    perRun: spread(row.reps.map((r) => r.kib_per_run_and_poll)),
    rss: spread(row.reps.map((r) => r.held_rss_mib)),
    probeP50: spread(row.reps.map((r) => r.probe.p50)),
    probeMax: spread(row.reps.map((r) => r.probe.max)),
  }
}

function idleSection(results: BenchResults): string[] {
  const header = ['held polls', 'target', 'KiB/held poll', 'min–max', 'KiB/run+poll', 'RSS MiB', 'probe p50 ms', 'probe max ms']
  const rows: string[][] = []
  const floor = results.idle.find((row) => row.target === 'floor')
  for (const row of results.idle) {
    const f = idleFigures(row)
    rows.push([
      num(row.runs, 0),
      row.target,
      num(f.perPoll.median, 1),
      range(f.perPoll, 1),
      num(f.perRun.median, 1),
      num(f.rss.median, 0),
      num(f.probeP50.median),
      num(f.probeMax.median),
    ])
    if (floor && isParley(row.target)) {
      const b = idleFigures(floor)
      const r = (a: Spread, c: Spread) => times(ratio(a.median, c.median))
      rows.push([
        '',
        '  ×floor',
        r(f.perPoll, b.perPoll),
        '',
        r(f.perRun, b.perRun),
        r(f.rss, b.rss),
        r(f.probeP50, b.probeP50),
        r(f.probeMax, b.probeMax),
      ])
    }
  }
  const notes: string[] = []
  for (const row of results.idle) {
    if (row.error) notes.push(`  ! ${row.target}: ${row.error.split('\n')[0]}`)
    const failed = row.reps.reduce((sum, rep) => sum + rep.probe_errors, 0)
    const first = row.reps.find((rep) => rep.probe_first_error)?.probe_first_error
    if (failed > 0) notes.push(`  ! ${row.target}: ${failed} probe(s) or poll(s) failed, first: ${first}`)
  }
  return [
    '3. Idle capacity: runs awaiting input, each with a held long-poll; then replies to random ones (probes)',
    ...table(header, rows, 2),
    ...notes,
  ]
}

function roundTripSection(results: BenchResults): string[] {
  const header = ['clients', 'target', 'round trips/s', 'min–max', 'p50 ms', 'p90 ms', 'p99 ms', 'CPU ms/rt', 'CPU %', 'load gen CPU %']
  const rows: string[][] = []
  const figures = (row: ScenarioOutcome) => ({
    rate: over(row.windows, (w) => perSecond(w, w.completed)),
    p50: over(row.windows, (w) => w.latency.p50),
    p90: over(row.windows, (w) => w.latency.p90),
    p99: over(row.windows, (w) => w.latency.p99),
    cost: over(row.windows, (w) => (w.cpu_seconds * 1000) / w.completed),
    cpu: over(row.windows, (w) => w.cpu_percent),
    load: over(row.windows, (w) => w.load_cpu_percent),
  })
  const ran = results.round_trips.filter((row) => row.windows.length > 0)
  const baselines = (['floor', 'mastra', 'langgraph'] as const).flatMap((name) => {
    const row = ran.find((candidate) => candidate.target === name)
    return row ? [{ name, f: figures(row) }] : []
  })
  for (const row of ran) {
    const f = figures(row)
    rows.push([
      String(row.clients),
      row.target,
      num(f.rate.median, 0),
      range(f.rate, 0),
      num(f.p50.median),
      num(f.p90.median),
      num(f.p99.median),
      num(f.cost.median, 3),
      num(f.cpu.median, 0),
      num(f.load.median, 0),
    ])
    if (!isParley(row.target)) continue
    for (const base of baselines) {
      const r = (a: Spread, c: Spread) => times(ratio(a.median, c.median))
      const b = base.f
      rows.push([
        '',
        `  ×${base.name}`,
        r(f.rate, b.rate),
        '',
        r(f.p50, b.p50),
        r(f.p90, b.p90),
        r(f.p99, b.p99),
        r(f.cost, b.cost),
        r(f.cpu, b.cpu),
        '',
      ])
    }
  }
  return [
    '4. Round trips: start → question (suspend/interrupt) → reply (resume) → completed, no LLM',
    ...table(header, rows, 2),
    ...partNotes(ran),
    ...errorNotes(results.round_trips.map((row) => ({ ...row, label: `${row.target}` }))),
  ]
}

/** Where a target of several processes spends its CPU per round trip (API, worker), and the PostgreSQL server beside it. */
function partNotes(rows: readonly (ScenarioOutcome & { clients: number })[]): string[] {
  return rows.flatMap((row) => {
    const names = Object.keys(row.windows[0]?.cpu_parts ?? {})
    if (names.length < 2) return []
    const perTrip = names.map((name) => {
      const cost = over(row.windows, (w) => ((w.cpu_parts[name] ?? 0) * 1000) / w.completed)
      return `${name} ${num(cost.median, 3)}`
    })
    return [`  ${row.target}: CPU ms per round trip by process: ${perTrip.join(', ')} (postgresql is the server's, not counted above)`]
  })
}

/** The issue's targets, judged on this run's medians. */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = []
  // A figure measured at another scale than the target's (--quick), or one too small to be a
  // measurement (RSS noise can make a per-poll figure negative), is shown but not judged.
  const check = (target: string, value: number, limit: number, atMost: boolean, why = '', atTargetScale = true) => {
    const measured = Number.isFinite(value) && value > 0
    const judged = measured && atTargetScale
    const status = !judged ? 'n/a' : (atMost ? value <= limit : value >= limit) ? 'met' : 'missed'
    const shown = Number.isFinite(value) ? `${times(value)}${why}` : why || 'not measured'
    checks.push({ target, status, value: measured || !Number.isFinite(value) ? shown : `${shown}: too small to measure` })
  }
  const median = (row: ScenarioOutcome | undefined, pick: (w: WindowMeasure) => number) =>
    row ? over(row.windows, pick).median : Number.NaN

  // At 1,000 runs (the full run measures 10,000 too, reported beside); the most runs measured when 1,000 were not (--quick).
  const runCounts = results.latency.map((row) => row.runs)
  const largest = runCounts.includes(1000) ? 1000 : Math.max(0, ...runCounts)
  const at = (target: TargetName) => results.latency.find((row) => row.runs === largest && row.target === target)
  const p99 = (w: WindowMeasure) => w.latency.p99
  const scale = largest === 1000 || largest === 0 ? '' : ` (at ${largest} runs, not 1,000)`
  check(
    `p99 delivery latency at 1,000 active runs ≤ 2× the floor's`,
    ratio(median(at('parley-memory'), p99), median(at('floor'), p99)),
    2,
    true,
    scale,
    scale === '',
  )

  const sat = (target: TargetName) => results.saturation.find((row) => row.target === target)
  const rate = (w: WindowMeasure) => perSecond(w, w.messages)
  const saturation = ratio(median(sat('parley-memory'), rate), median(sat('floor'), rate))
  check('saturation throughput ≥ 0.4× the floor’s (the step now)', saturation, 0.4, false)
  check('saturation throughput ≥ 0.7× the floor’s (the aim)', saturation, 0.7, false)
  const satP99 = (w: WindowMeasure) => w.latency.p99
  check(
    'saturation on SQLite: p99 ≤ 2× memory’s',
    ratio(median(sat('parley-sqlite'), satP99), median(sat('parley-memory'), satP99)),
    2,
    true,
  )

  const idle = (target: TargetName) => results.idle.find((row) => row.target === target)
  const perPoll = (row: IdleOutcome | undefined) => (row ? spread(row.reps.map((r) => r.kib_per_held_poll)).median : Number.NaN)
  const polls = idle('floor')?.runs ?? 0
  check(
    '10,000 held polls at ≤ 1.5× the floor’s RSS per held poll',
    ratio(perPoll(idle('parley-memory')), perPoll(idle('floor'))),
    1.5,
    true,
    polls === 10_000 || polls === 0 ? '' : ` (${num(polls, 0)} polls, not 10,000)`,
    polls === 10_000,
  )

  const rt = (target: TargetName) => results.round_trips.find((row) => row.target === target && row.windows.length > 0)
  const rtRate = (w: WindowMeasure) => perSecond(w, w.completed)
  const rtP50 = (w: WindowMeasure) => w.latency.p50
  const rtCost = (w: WindowMeasure) => (w.cpu_seconds * 1000) / w.completed
  const noMastra = rt('mastra') ? '' : 'Mastra did not run'
  check(
    'round trips at 50 clients ≥ 3× Mastra’s rate',
    ratio(median(rt('parley-memory'), rtRate), median(rt('mastra'), rtRate)),
    3,
    false,
    noMastra,
  )
  check(
    'round-trip p50 latency ≤ half of Mastra’s',
    ratio(median(rt('parley-memory'), rtP50), median(rt('mastra'), rtP50)),
    0.5,
    true,
    noMastra,
  )
  check(
    'SQLite round trips at 50 clients ≥ 2× Mastra’s rate',
    ratio(median(rt('parley-sqlite'), rtRate), median(rt('mastra'), rtRate)),
    2,
    false,
    noMastra,
  )
  check(
    'SQLite ≤ 1.5× memory’s CPU cost per round trip',
    ratio(median(rt('parley-sqlite'), rtCost), median(rt('parley-memory'), rtCost)),
    1.5,
    true,
  )
  check(
    'PostgreSQL (API + worker) ≤ 1.5× SQLite’s CPU per round trip',
    ratio(median(rt('parley-postgres'), rtCost), median(rt('parley-sqlite'), rtCost)),
    1.5,
    true,
    rt('parley-postgres') ? '' : 'PostgreSQL did not run (DATABASE_URL)',
  )
  check(
    'journaling costs SQLite ≤ 10% CPU per round trip (against resume: false)',
    ratio(median(rt('parley-sqlite'), rtCost), median(rt('parley-sqlite-nojournal'), rtCost)),
    1.1,
    true,
  )
  check(
    'journaling costs SQLite ≤ 10% of its round trips/s',
    ratio(median(rt('parley-sqlite'), rtRate), median(rt('parley-sqlite-nojournal'), rtRate)),
    0.9,
    false,
  )
  return checks
}

export function renderReport(results: BenchResults): string {
  const m = results.machine
  const w = results.windows
  const pinning = m.pinning
    ? `server on cpu ${m.pinning.server}, load generator on cpu ${m.pinning.load_generator} (taskset)`
    : 'not pinned (no taskset)'
  const lines = [
    `Parley bench (${results.mode}) — ${results.started_at}, ${num(results.wall_seconds, 0)} s`,
    `machine: ${m.cpu_model}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.os}, node ${m.node}, open files ${m.open_files_limit}; ${pinning}`,
    `each figure: median of ${w.windows} windows of ${w.windowMs / 1000} s after ${w.warmupMs / 1000} s warm-up (idle capacity: of fresh-server repetitions); ×floor = Parley ÷ floor`,
    '',
    ...latencySection(results),
    '',
    ...saturationSection(results),
    '',
    ...idleSection(results),
    '',
    ...roundTripSection(results),
    '',
    'Peers',
    ...results.peers.map(
      (peer) => `  ${peer.name.padEnd(10)} ${peer.status.padEnd(8)} ${peer.packages.join(' ')}${peer.reason ? ` — ${peer.reason}` : ''}`,
    ),
    '',
    'Targets (reported, not asserted)',
    ...results.targets.map((t) => `  [${t.status}]${' '.repeat(7 - t.status.length)} ${t.target}: ${t.value}`),
  ]
  return lines.join('\n')
}
