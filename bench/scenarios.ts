import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import type { GroupSample } from './machine.ts'
import { cpuBetween, LOAD_CPU, sampleGroup } from './machine.ts'
import { launch } from './processes.ts'
import type { LoadEvent, LoadSpec, WindowResult } from './protocol.ts'
import type { LatencySummary } from './stats.ts'
import type { TargetSample } from './target-sample.ts'
import { countedRssKiB, partsBetween, sampleParts } from './target-sample.ts'
import type { RunningTarget, TargetContext, TargetName } from './targets.ts'
import { REPO, startTarget } from './targets.ts'

/** The four scenarios, each against a freshly started target, measured from outside it. */

export interface WindowMeasure extends WindowResult {
  /** Server CPU over the window, % of one core. */
  cpu_percent: number
  cpu_seconds: number
  rss_mib: number
  peak_rss_mib: number
  /** The load generator's CPU over the window: near 100% means it, not the server, set the pace. */
  load_cpu_percent: number
  /** CPU seconds of each process group of the target (API, worker) and beside it (the PostgreSQL server). */
  cpu_parts: Record<string, number>
}

export interface ScenarioOutcome {
  target: TargetName
  windows: WindowMeasure[]
  error: string | null
}

export interface IdleRep {
  fresh_rss_mib: number
  runs_rss_mib: number
  held_rss_mib: number
  /** (RSS with the polls held − RSS before) / polls. */
  kib_per_held_poll: number
  /** (RSS with runs and polls − RSS of the fresh server) / runs. */
  kib_per_run_and_poll: number
  probe: LatencySummary
  probe_errors: number
  probe_first_error: string | null
}

export interface IdleOutcome {
  target: TargetName
  runs: number
  reps: IdleRep[]
  error: string | null
}

type Handler = (event: LoadEvent, send: (line: string) => void) => void | Promise<void>

const mib = (kib: number) => kib / 1024

/**
 * Starts the load generator on its core with `spec`, samples the target at each window's edges
 * (CPU) and every 250 ms inside it (peak RSS), and hands the other events to `onEvent`.
 */
async function runLoad(spec: LoadSpec, target: RunningTarget, context: TargetContext, onEvent?: Handler): Promise<WindowMeasure[]> {
  const generator = launch('load generator', ['node', '--import', 'tsx', 'bench/load-generator.ts', JSON.stringify(spec)], {
    cwd: REPO,
    env: process.env,
    cpu: LOAD_CPU,
    logFile: null,
  })
  const stderr = createWriteStream(join(context.workDir, 'load-generator.log'), { flags: 'a' })
  generator.child.stderr?.pipe(stderr)
  const send = (line: string) => generator.child.stdin?.write(`${line}\n`)
  const windows: WindowMeasure[] = []
  let start: TargetSample | undefined
  let loadStart: GroupSample | undefined
  let peak = 0
  const peakTimer = setInterval(() => {
    if (start) peak = Math.max(peak, countedRssKiB(target.parts))
  }, 250)
  let failure: string | null = null
  const cancelDeadline = new AbortController()
  const limitMs = spec.deadlineMs + 15_000
  const deadline = sleep(limitMs, undefined, { signal: cancelDeadline.signal }).then(
    () => {
      failure ??= `no answer from the load generator within ${limitMs / 1000} s`
      void generator.stop()
    },
    () => undefined,
  )
  try {
    const stdout = generator.child.stdout
    if (!stdout) throw new Error('the load generator has no stdout')
    const lines = createInterface({ input: stdout })
    const reading = (async () => {
      for await (const line of lines) {
        if (!line.startsWith('@')) continue
        const event = JSON.parse(line.slice(1)) as LoadEvent
        if (event.event === 'window-start') {
          start = sampleParts(target.parts)
          loadStart = sampleGroup(generator.pid)
          peak = start.rssKiB
        } else if (event.event === 'window-end' && start && loadStart) {
          const end = sampleParts(target.parts)
          const cpu = cpuBetween(start, end)
          const load = cpuBetween(loadStart, sampleGroup(generator.pid))
          windows.push({
            ...event.window,
            cpu_percent: cpu.percent,
            cpu_seconds: cpu.seconds,
            rss_mib: mib(end.rssKiB),
            peak_rss_mib: mib(Math.max(peak, end.rssKiB)),
            load_cpu_percent: load.percent,
            cpu_parts: partsBetween(start, end),
          })
          start = undefined
        } else if (event.event === 'failed') failure = event.message
        else if (event.event === 'done') break
        else await onEvent?.(event, send)
      }
    })()
    await Promise.race([reading, deadline])
    if (!target.process.isRunning()) failure ??= `${target.name} exited during the scenario`
  } finally {
    cancelDeadline.abort()
    clearInterval(peakTimer)
    await generator.stop(2000)
    stderr.end()
  }
  if (failure) throw new Error(failure)
  return windows
}

/** Waits until the server has done what it was sent (CPU under 5% of a core for two 400 ms reads). */
async function settle(target: RunningTarget, maxMs = 60_000): Promise<void> {
  const deadline = performance.now() + maxMs
  let quiet = 0
  let previous = sampleParts(target.parts)
  while (quiet < 2 && performance.now() < deadline) {
    await sleep(400)
    const now = sampleParts(target.parts)
    quiet = cpuBetween(previous, now).percent < 5 ? quiet + 1 : 0
    previous = now
  }
}

async function withTarget<T>(name: TargetName, context: TargetContext, clients: number, work: (target: RunningTarget) => Promise<T>) {
  const target = await startTarget(name, context, clients)
  try {
    return await work(target)
  } finally {
    await target.stop()
  }
}

export interface Windows {
  warmupMs: number
  windowMs: number
  windows: number
}

function deadline(windows: Windows, extraMs: number): number {
  return windows.warmupMs + windows.windowMs * windows.windows + extraMs
}

/** Scenarios 1 and 2: `runs` ping_pong conversations replying after `thinkMs` (0: saturation). */
export async function converse(name: TargetName, runs: number, thinkMs: number, windows: Windows, context: TargetContext) {
  return outcome(name, () =>
    withTarget(name, context, runs, (target) =>
      runLoad(
        { kind: 'converse', baseUrl: target.baseUrl, runs, thinkMs, waitSeconds: 30, ...windows, deadlineMs: deadline(windows, 90_000) },
        target,
        context,
      ),
    ),
  )
}

/** Scenario 4: `clients` concurrent round-trip loops in the target's own API. */
export async function roundTrips(name: TargetName, clients: number, windows: Windows, context: TargetContext) {
  return outcome(name, () =>
    withTarget(name, context, clients, (target) =>
      runLoad(
        { kind: 'roundtrip', adapter: target.adapter, baseUrl: target.baseUrl, clients, ...windows, deadlineMs: deadline(windows, 60_000) },
        target,
        context,
      ),
    ),
  )
}

async function outcome(name: TargetName, work: () => Promise<WindowMeasure[]>): Promise<ScenarioOutcome> {
  try {
    return { target: name, windows: await work(), error: null }
  } catch (error) {
    return { target: name, windows: [], error: error instanceof Error ? error.message : String(error) }
  }
}

/** Scenario 3: one repetition on a fresh server — RSS fresh, with the runs, and with every poll held. */
async function idleRep(name: TargetName, runs: number, probes: number, context: TargetContext): Promise<IdleRep> {
  return withTarget(name, context, runs, async (target) => {
    await settle(target)
    const fresh = sampleParts(target.parts).rssKiB
    let before = 0
    let held = 0
    let probed: Extract<LoadEvent, { event: 'probed' }> | undefined
    await runLoad({ kind: 'idle', baseUrl: target.baseUrl, runs, probes, deadlineMs: 240_000 }, target, context, async (event, send) => {
      if (event.event === 'ready') {
        await settle(target)
        before = sampleParts(target.parts).rssKiB
        send('hold')
      } else if (event.event === 'held') {
        await settle(target)
        held = sampleParts(target.parts).rssKiB
        send('probe')
      } else if (event.event === 'probed') {
        probed = event
      }
    })
    if (!probed) throw new Error('the load generator ended before probing')
    return {
      fresh_rss_mib: mib(fresh),
      runs_rss_mib: mib(before),
      held_rss_mib: mib(held),
      kib_per_held_poll: (held - before) / runs,
      kib_per_run_and_poll: (held - fresh) / runs,
      probe: probed.latency,
      probe_errors: probed.errors,
      probe_first_error: probed.firstError,
    }
  })
}

export async function idleCapacity(
  name: TargetName,
  runs: number,
  probes: number,
  reps: number,
  context: TargetContext,
): Promise<IdleOutcome> {
  const done: IdleRep[] = []
  try {
    for (let rep = 0; rep < reps; rep++) done.push(await idleRep(name, runs, probes, context))
    return { target: name, runs, reps: done, error: null }
  } catch (error) {
    return { target: name, runs, reps: done, error: error instanceof Error ? error.message : String(error) }
  }
}
