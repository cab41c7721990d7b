import type { ChildProcess } from 'node:child_process'
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import http from 'node:http'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Every process the bench starts: each in its own process group (so a server's children go with
 * it), pinned to a core when taskset exists, with the open-files soft limit raised to the hard
 * one. Whatever happens — an error, Ctrl-C — `killAll` ends every group left.
 */

export interface Launched {
  readonly name: string
  /** Also the process group id: the child is its group's leader. */
  readonly pid: number
  readonly child: ChildProcess
  readonly logFile: string | null
  readonly exited: Promise<number | null>
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader is gone. */
  stop(graceMs?: number): Promise<void>
  isRunning(): boolean
}

export interface LaunchOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  /** Core to pin to (taskset -c), when taskset is available. */
  cpu?: number | undefined
  /** Where stdout and stderr go; with null both are pipes. */
  logFile: string | null
}

const live = new Set<Launched>()

let taskset: boolean | undefined

/** Whether `taskset` is on PATH (looked up once). */
export function hasTaskset(): boolean {
  if (taskset === undefined) {
    try {
      execFileSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' })
      taskset = true
    } catch {
      taskset = false
    }
  }
  return taskset
}

export function launch(name: string, command: readonly string[], options: LaunchOptions): Launched {
  const pinned = hasTaskset() && options.cpu !== undefined ? ['taskset', '-c', String(options.cpu), ...command] : [...command]
  // exec keeps one pid from bash to node; ulimit raises the soft open-files limit for the held polls.
  const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"'
  const fd = options.logFile === null ? null : openSync(options.logFile, 'a')
  const child = spawn('bash', ['-c', script, 'bash', ...pinned], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: fd === null ? ['pipe', 'pipe', 'pipe'] : ['ignore', fd, fd],
  })
  if (fd !== null) closeSync(fd)
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command.join(' ')}`)
  const pid = child.pid
  let running = true
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running = false
      resolve(code)
    })
    child.once('error', () => {
      running = false
      resolve(null)
    })
  })
  const launched: Launched = {
    name,
    pid,
    child,
    logFile: options.logFile,
    exited,
    isRunning: () => running,
    async stop(graceMs = 3000) {
      signalGroup(pid, 'SIGTERM')
      await Promise.race([exited, sleep(graceMs)])
      // The leader may be gone while a child of it (a watcher's server) is not.
      signalGroup(pid, 'SIGKILL')
      await Promise.race([exited, sleep(1000)])
      live.delete(launched)
    },
  }
  live.add(launched)
  void exited.then(() => {
    if (!groupAlive(pid)) live.delete(launched)
  })
  return launched
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // ESRCH: the group is already gone
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

/** Synchronous, for exit paths: SIGKILL to every group still around. */
export function killAll(): void {
  for (const launched of live) signalGroup(launched.pid, 'SIGKILL')
  live.clear()
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Resolves once `url` answers at all (any status), or rejects with the log's tail. */
export async function waitForHttp(url: string, launched: Launched, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!launched.isRunning()) throw new Error(`${launched.name} exited before it answered:\n${logTail(launched)}`)
    if (await answers(url)) return
    await sleep(150)
  }
  throw new Error(`${launched.name} did not answer ${url} within ${timeoutMs / 1000} s:\n${logTail(launched)}`)
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      res.resume()
      resolve(true)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

export function logTail(launched: Pick<Launched, 'logFile'>, lines = 15): string {
  if (launched.logFile === null) return '(no log)'
  try {
    return readFileSync(launched.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}
