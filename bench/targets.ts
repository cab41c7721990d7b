import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SERVER_CPU } from './machine.ts'
import { PARLEY_BIN } from './parley-command.ts'
import { langgraph } from './peers/langgraph.ts'
import { mastra } from './peers/mastra.ts'
import type { PeerDefinition } from './peers/peer.ts'
import { preparePeer } from './peers/peer.ts'
import { postgresTarget } from './postgres-target.ts'
import type { Launched } from './processes.ts'
import { freePort, launch, waitForHttp } from './processes.ts'
import type { AdapterName } from './protocol.ts'
import type { SampledPart } from './target-sample.ts'

/** The servers the bench measures, each started fresh on the server core and stopped after. */

export type TargetName =
  | 'floor'
  | 'parley-memory'
  | 'parley-sqlite'
  | 'parley-sqlite-nojournal'
  | 'parley-postgres'
  | 'mastra'
  | 'langgraph'
export type PeerName = 'mastra' | 'langgraph'

export const REPO = fileURLToPath(new URL('../', import.meta.url))
export const PEERS: Record<PeerName, PeerDefinition> = { mastra, langgraph }

export interface RunningTarget {
  name: TargetName
  baseUrl: string
  adapter: AdapterName
  /** The process that serves HTTP (its group). */
  process: Launched
  /** Every process group whose CPU is measured: the target's (counted) and servers beside it (reported). */
  parts: SampledPart[]
  stop(): Promise<void>
}

export interface TargetContext {
  /** Server logs (and SQLite files) go here. */
  workDir: string
  /** When set, Parley servers run with --cpu-prof and write their profiles here. */
  profileDir: string | null
  log(line: string): void
}

/** The project's environment less anything that would change how Parley serves the bench. */
export function parleyEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(env)) if (name.startsWith('PARLEY_') || name === 'PORT') delete env[name]
  // 10,000 idle runs are active at once, each with a held poll, all of one user (auth off): the
  // default per-user limits (1,000 active runs, 100 held polls, 60 starts a minute) are lifted.
  return { ...env, PARLEY_MAX_ACTIVE_RUNS: '1000000', PARLEY_MAX_HELD_POLLS_PER_USER: '0', PARLEY_RUNS_PER_MINUTE: '0' }
}

let started = 0
const peerFolders = new Map<PeerName, Promise<string>>()

/** Installs a peer at most once per bench run; the same failure is reported each time after. */
export function peerFolder(name: PeerName, log: (line: string) => void): Promise<string> {
  let folder = peerFolders.get(name)
  if (!folder) {
    folder = preparePeer(PEERS[name], log)
    peerFolders.set(name, folder)
  }
  return folder
}

export async function startTarget(name: TargetName, context: TargetContext, clients = 50): Promise<RunningTarget> {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const logFile = join(context.workDir, `${String(++started).padStart(3, '0')}-${name}.log`)
  let launched: Launched
  let adapter: AdapterName = 'log-api'
  let readyPath = '/healthz'
  let parts: SampledPart[] | undefined
  let cleanup = async () => undefined as unknown
  if (name === 'parley-postgres') {
    const postgres = await postgresTarget({ port, logFile, profile: context.profileDir, env: parleyEnv() })
    launched = postgres.api
    parts = postgres.parts
    cleanup = postgres.stop
  } else if (name === 'floor') {
    launched = launch(name, ['node', '--import', 'tsx', 'bench/floor-server.ts', '--port', String(port)], {
      cwd: REPO,
      env: process.env,
      cpu: SERVER_CPU,
      logFile,
    })
  } else if (name === 'parley-memory' || name === 'parley-sqlite' || name === 'parley-sqlite-nojournal') {
    const profile = context.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${context.profileDir}`] : []
    const store = name === 'parley-memory' ? ['--store', 'memory'] : ['--store', 'sqlite', '--db', join(context.workDir, `${started}.db`)]
    // The same workflows with `resume: false`: no journal, the baseline of what journaling costs.
    const module = name === 'parley-sqlite-nojournal' ? 'bench/workflows-nojournal.ts' : 'bench/workflows.ts'
    const command = ['node', ...profile, PARLEY_BIN, 'serve', module, ...store, '--port', String(port)]
    launched = launch(name, command, { cwd: REPO, env: parleyEnv(), cpu: SERVER_CPU, logFile })
  } else {
    const peer = PEERS[name]
    const dir = await peerFolder(name, context.log)
    for (const scratch of peer.scratch ?? []) rmSync(join(dir, scratch), { recursive: true, force: true })
    launched = launch(name, peer.command(port, clients), {
      cwd: dir,
      env: { ...process.env, ...peer.env, PORT: String(port) },
      cpu: SERVER_CPU,
      logFile,
    })
    adapter = peer.adapter
    readyPath = peer.readyPath
  }
  const stop = async () => {
    await launched.stop(context.profileDir ? 15_000 : 3000)
    await cleanup()
  }
  try {
    await waitForHttp(`${baseUrl}${readyPath}`, launched, 60_000)
  } catch (error) {
    await stop()
    throw error
  }
  return { name, baseUrl, adapter, process: launched, parts: parts ?? [{ name, pgid: launched.pid, counted: true as const }], stop }
}
