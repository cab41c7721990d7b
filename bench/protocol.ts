import type { LatencySummary } from './stats.ts'

/**
 * What the orchestrator (run.ts) and the load generator (load-generator.ts) say to each other:
 * the spec goes in as the one argument, events come back as `@{json}` lines on stdout, and
 * commands go in as lines on stdin.
 */

/** How the load generator speaks to a target: Parley's v1 paths (the floor speaks them too), or a peer's own API. */
export type AdapterName = 'log-api' | 'mastra' | 'langgraph'

interface Windowed {
  baseUrl: string
  warmupMs: number
  windowMs: number
  windows: number
  /** The load generator gives up (and says so) after this long. */
  deadlineMs: number
}

/** N runs of `ping_pong`, each looping question → reply (after `thinkMs`, jittered ±50%) → text message. */
export interface ConverseSpec extends Windowed {
  kind: 'converse'
  runs: number
  thinkMs: number
  waitSeconds: number
}

/** `clients` concurrent loops of one round trip each: start → question → reply → done. */
export interface RoundTripSpec extends Windowed {
  kind: 'roundtrip'
  adapter: AdapterName
  clients: number
}

/** `runs` runs awaiting input, each with a held long-poll; then `probes` replies to random ones. */
export interface IdleSpec {
  kind: 'idle'
  baseUrl: string
  runs: number
  probes: number
  deadlineMs: number
}

export type LoadSpec = ConverseSpec | RoundTripSpec | IdleSpec

export interface WindowResult {
  index: number
  durationMs: number
  /** Text messages delivered (converse) or round trips finished (roundtrip). */
  completed: number
  /** Every message the long-polls delivered. */
  messages: number
  errors: number
  firstError: string | null
  latency: LatencySummary
}

export type LoadEvent =
  | { event: 'ready'; runs: number }
  | { event: 'window-start'; index: number }
  | { event: 'window-end'; window: WindowResult }
  | { event: 'held'; polls: number }
  | { event: 'probed'; latency: LatencySummary; errors: number; firstError: string | null }
  | { event: 'failed'; message: string }
  | { event: 'done' }

export type LoadCommand = 'hold' | 'probe'
