import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

/** The repository root, where `scripts/parley.mjs` is started from. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url))

/** A `parley` command a test started: the process, all it printed so far, and its end. */
export interface CliProcess {
  /** `parley <subcommand>`, for error messages. */
  name: string
  child: ChildProcessWithoutNullStreams
  /** stdout and stderr together, as printed so far. */
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Runs `node scripts/parley.mjs ...args` from the repository root: the real command from the
 * TypeScript sources (the packed package's bin/parley.mjs runs the same CLI compiled, and
 * test/package/packed-tarball.test.ts starts that one); `env` defaults to this process's environment.
 */
export function spawnParleyCli(args: string[], env?: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, ['scripts/parley.mjs', ...args], { cwd: REPO, env })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { name: `parley ${args[0] ?? ''}`.trim(), child, output: () => output, exited }
}

/**
 * Resolves once the process has printed `ready` (the line a server prints when it listens);
 * throws with its output when it exits first or `timeoutMs` passes.
 *
 * @example
 * await waitForOutput(spawnParleyCli(['ui', '--port', String(port)]), 'parley ui: serving the web UI', 20_000)
 */
export async function waitForOutput(cli: CliProcess, ready: string | RegExp, timeoutMs: number): Promise<void> {
  const printed = () => (typeof ready === 'string' ? cli.output().includes(ready) : ready.test(cli.output()))
  const deadline = Date.now() + timeoutMs
  while (!printed()) {
    if (cli.child.exitCode !== null) throw new Error(`${cli.name} exited ${cli.child.exitCode}:\n${cli.output()}`)
    if (Date.now() > deadline) throw new Error(`${cli.name} did not start within ${timeoutMs} ms:\n${cli.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * A port on 127.0.0.1 that was free a moment ago, for a command that must be told its port.
 *
 * It is drawn from below the kernel's ephemeral range, so no outgoing connection of another test
 * can be given it between this probe and the command's listen, or while a test restarts a killed
 * server on the same port (CI once lost a SIGKILL test to exactly that).
 */
export async function freePort(): Promise<number> {
  const [lowest, highest] = portsOutsideEphemeralRange()
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = lowest + Math.floor(Math.random() * (highest - lowest + 1))
    if (await canListen(port)) return port
  }
  throw new Error(`no free port on 127.0.0.1 between ${lowest} and ${highest} after 100 tries`)
}

/** The ports below Linux's `ip_local_port_range` (32768–60999 by default), from 10000 up. */
function portsOutsideEphemeralRange(): [number, number] {
  let ephemeralLow = 32768
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
  } catch {
    // Not Linux: the IANA ephemeral range starts at 49152, so 10000–32767 is outside it too.
  }
  return [10_000, Math.max(10_001, Math.min(ephemeralLow, 32768) - 1)]
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}
