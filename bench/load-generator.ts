import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { ROUND_TRIPS } from './adapters/index.ts'
import { createLogApi } from './adapters/log-api.ts'
import type { HttpClient } from './http-client.ts'
import { createHttpClient } from './http-client.ts'
import type { ConverseSpec, IdleSpec, LoadCommand, LoadEvent, LoadSpec, RoundTripSpec, WindowResult } from './protocol.ts'
import { summarize } from './stats.ts'

/**
 * The load-generating process, started by bench/run.ts on its own core:
 *
 *   node --import tsx bench/load-generator.ts '<LoadSpec as JSON>'
 *
 * It reports through `@{json}` lines on stdout (see protocol.ts) and takes commands on stdin.
 * Every loop it runs ends by count or by time.
 */

const CREATE_CONCURRENCY = 64

function emit(event: LoadEvent): void {
  process.stdout.write(`@${JSON.stringify(event)}\n`)
}

/** What one measurement window saw; the loops write into whichever window is open. */
class Recorder {
  readonly startedAt = performance.now()
  readonly latencies: number[] = []
  completed = 0
  messages = 0
  errors = 0
  firstError: string | null = null

  fail(error: unknown): void {
    this.errors++
    this.firstError ??= error instanceof Error ? error.message : String(error)
  }

  result(index: number): WindowResult {
    const { latencies, completed, messages, errors, firstError } = this
    return { index, durationMs: performance.now() - this.startedAt, completed, messages, errors, firstError, latency: summarize(latencies) }
  }
}

/** Open during warm-up too, so errors there are not lost; only the windows are reported. */
let current = new Recorder()

async function measureWindows(spec: { warmupMs: number; windowMs: number; windows: number }): Promise<void> {
  await sleep(spec.warmupMs)
  current = new Recorder()
  emit({ event: 'window-start', index: 0 })
  for (let index = 0; index < spec.windows; index++) {
    await sleep(spec.windowMs)
    const done = current
    current = new Recorder()
    emit({ event: 'window-end', window: done.result(index) })
    if (index + 1 < spec.windows) emit({ event: 'window-start', index: index + 1 })
  }
}

/** Runs `work` `count` times, at most `concurrency` at once; the first failure rejects. */
async function inBatches<T>(count: number, concurrency: number, work: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      results[index] = await work(index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return results
}

const stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()

async function command(expected: LoadCommand): Promise<void> {
  for (;;) {
    const line = await stdinLines.next()
    if (line.done) throw new Error(`stdin closed while waiting for "${expected}"`)
    if (line.value.trim() === expected) return
  }
}

/** Delivery latency and saturation: `runs` conversations, each replying to every question. */
async function converse(spec: ConverseSpec, http: HttpClient): Promise<void> {
  const api = createLogApi(http)
  const runIds = await inBatches(spec.runs, CREATE_CONCURRENCY, () => api.createRun('ping_pong'))
  emit({ event: 'ready', runs: runIds.length })
  let stopping = false
  const closing = new AbortController()

  const follow = async (runId: string) => {
    let sentAt: number | undefined
    let receivedAt = 0
    let answered = false
    const answer = async (questionId: string) => {
      // The first reply at a random point of one think time: the runs' replies are spread out from
      // the start (≈200/s in all), not all due together one think time in (at 10,000 runs, 25 s
      // or more: past the end of the windows).
      if (spec.thinkMs > 0) await sleep(spec.thinkMs * (answered ? 0.5 + Math.random() : Math.random()))
      answered = true
      if (closing.signal.aborted) return
      sentAt = performance.now()
      await api.reply(runId, questionId, stopping ? 'stop' : 'ping').catch((error) => closing.signal.aborted || current.fail(error))
    }
    const pages = api.follow(runId, {
      waitSeconds: spec.waitSeconds,
      signal: closing.signal,
      retries: Number.POSITIVE_INFINITY,
      retryDelayMs: () => 100,
      onRetry: (error) => current.fail(error),
      // Taken as the page arrives, before the loop hands it over: the loop's own steps are not the server's time.
      onReceived: (at) => {
        receivedAt = at
      },
    })
    for await (const page of pages) {
      const window = current
      for (const message of page.messages) {
        window.messages++
        if (message.type === 'text_message' && sentAt !== undefined) {
          window.latencies.push(receivedAt - sentAt)
          window.completed++
          sentAt = undefined
        } else if (message.type === 'text_input') void answer(message.id)
      }
    }
  }

  const loops = runIds.map(follow)
  await measureWindows(spec)
  // The next question of each run is answered "stop", so the runs end instead of piling up.
  stopping = true
  await Promise.race([Promise.allSettled(loops), sleep(10_000)])
  closing.abort()
}

/** Round trips: `clients` loops, each one round trip at a time in the target's own API. */
async function roundTrips(spec: RoundTripSpec, http: HttpClient): Promise<void> {
  const roundTrip = ROUND_TRIPS[spec.adapter]
  await roundTrip(http) // fails fast, with the target's own words, when the API is not what we expect
  emit({ event: 'ready', runs: 1 })
  let closing = false
  const loop = async () => {
    while (!closing) {
      const startedAt = performance.now()
      try {
        await roundTrip(http)
        const window = current
        window.latencies.push(performance.now() - startedAt)
        window.completed++
      } catch (error) {
        if (closing) return
        current.fail(error)
        await sleep(50)
      }
    }
  }
  const loops = Array.from({ length: spec.clients }, loop)
  await measureWindows(spec)
  closing = true
  await Promise.race([Promise.allSettled(loops), sleep(5000)])
}

interface IdleRun {
  id: string
  after: number
  question: string | undefined
  probe: { sentAt: number; delivered: (ms: number) => void } | undefined
  /** For the failure message: how many polls this run made, and how the last one ended. */
  polls: number
  last: string
}

/** Idle capacity: `runs` runs awaiting input, each with a held long-poll, then a few probes. */
async function idle(spec: IdleSpec, http: HttpClient): Promise<void> {
  const api = createLogApi(http)
  const runs = await inBatches<IdleRun>(spec.runs, CREATE_CONCURRENCY, async () => {
    const id = await api.createRun('ping_pong')
    let attempts = 0
    for await (const page of api.follow(id, { waitSeconds: 1, retries: 0 })) {
      const question = page.messages.find((message) => message.type === 'text_input')
      if (question) return { id, after: page.next_after, question: question.id, probe: undefined, polls: 0, last: 'none' }
      if (++attempts >= 20) break
    }
    throw new Error(`run ${id} asked no question`)
  })
  emit({ event: 'ready', runs: runs.length })
  await command('hold')

  const closing = new AbortController()
  let held = 0
  const errors = new Recorder()
  const follow = async (run: IdleRun) => {
    let first = true
    let receivedAt = 0
    const pages = api.follow(run.id, {
      after: run.after,
      waitSeconds: 60,
      signal: closing.signal,
      retries: Number.POSITIVE_INFINITY,
      retryDelayMs: () => 100,
      onSent: () => {
        run.polls++
        if (first) {
          first = false
          if (++held === runs.length) emit({ event: 'held', polls: held })
        }
      },
      onRetry: (error) => {
        run.last = `error: ${error instanceof Error ? error.message : String(error)}`
        errors.fail(error)
      },
      onReceived: (at) => {
        receivedAt = at
      },
    })
    for await (const page of pages) {
      run.last = `${page.messages.map((message) => message.type).join(',') || 'empty'} (${page.run_status})`
      for (const message of page.messages) {
        if (message.type === 'text_message' && run.probe) {
          run.probe.delivered(receivedAt - run.probe.sentAt)
          run.probe = undefined
        } else if (message.type === 'text_input') run.question = message.id
      }
      run.after = page.next_after
    }
  }
  const loops = runs.map(follow)
  await command('probe')

  const latencies: number[] = []
  const order = runs.map((run) => ({ run, key: Math.random() })).sort((a, b) => a.key - b.key)
  for (const { run } of order.slice(0, spec.probes)) {
    const question = run.question
    if (question === undefined) continue
    const delivered = new Promise<number>((resolve) => {
      run.probe = { sentAt: performance.now(), delivered: resolve }
    })
    try {
      await api.reply(run.id, question, 'ping')
      const ms = await Promise.race([delivered, sleep(5000).then(() => Number.NaN)])
      if (Number.isNaN(ms))
        errors.fail(new Error(`probe of run ${run.id}: no text message within 5 s (poll #${run.polls}, the one before: ${run.last})`))
      else latencies.push(ms)
    } catch (error) {
      errors.fail(error)
    }
    await sleep(20)
  }
  emit({ event: 'probed', latency: summarize(latencies), errors: errors.errors, firstError: errors.firstError })
  closing.abort()
  // The loops end with the signal's reason once their held polls return (or the sockets close): expected.
  for (const loop of loops) loop.catch(() => undefined)
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec
  const deadline = setTimeout(() => {
    emit({ event: 'failed', message: `the load generator gave up after ${spec.deadlineMs / 1000} s` })
    process.exit(2)
  }, spec.deadlineMs)
  const sockets = spec.kind === 'roundtrip' ? spec.clients * 2 + 16 : spec.runs * 2 + 64
  const http = createHttpClient(spec.baseUrl, sockets)
  try {
    if (spec.kind === 'converse') await converse(spec, http)
    else if (spec.kind === 'roundtrip') await roundTrips(spec, http)
    else await idle(spec, http)
    emit({ event: 'done' })
  } catch (error) {
    emit({ event: 'failed', message: error instanceof Error ? error.message : String(error) })
    process.exitCode = 1
  } finally {
    clearTimeout(deadline)
    http.close()
    // Held polls and timers must not keep us alive; the events are written synchronously to a pipe.
    setImmediate(() => process.exit())
  }
}

await main()
