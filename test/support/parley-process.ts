import { afterEach } from 'vitest'
import type { CliProcess } from './cli-process.ts'
import { spawnParleyCli, waitForOutput } from './cli-process.ts'

/** How long a `parley serve` process may take to start on a loaded machine (tsx compiles on first load). */
export const START_TIMEOUT_MS = 30_000

/** The environment without anything that would change what the tests expect. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(env)) {
    if (name.startsWith('PARLEY_') || name.startsWith('OPENAI_') || name === 'PORT') delete env[name]
  }
  // The offline model streams at once unless a test wants to watch it write.
  return { ...env, PARLEY_OFFLINE_TOKEN_DELAY_MS: '0', ...extra }
}

/** A `parley serve` process serving on `url`. */
export interface ServerProcess extends CliProcess {
  readonly url: string
}

/**
 * Registers an afterEach that SIGKILLs every process the test left running, and returns how to
 * start them: `parley …args`, and `parley serve` resolved once it says it is serving.
 */
export function useParleyProcesses() {
  const started: CliProcess[] = []
  afterEach(() => {
    for (const cli of started.splice(0)) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL')
  })
  const run = (args: string[], env: NodeJS.ProcessEnv): CliProcess => {
    const cli = spawnParleyCli(args, env)
    started.push(cli)
    return cli
  }
  return {
    run,
    /** `parley serve <args>` on `port`; resolves once it serves. */
    async serve(args: string[], port: number, env: Record<string, string> = {}): Promise<ServerProcess> {
      const cli = run(['serve', ...args, '--port', String(port)], cleanEnv(env))
      await waitForOutput(cli, /parley: serving on /, START_TIMEOUT_MS)
      return { ...cli, url: `http://127.0.0.1:${port}` }
    },
  }
}

/** Waits for the process to end, at most `ms`; SIGKILLs it (and fails) when it does not. */
export async function exitWithin(cli: CliProcess, ms: number) {
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref())
  const outcome = await Promise.race([cli.exited, timeout])
  if (outcome === 'timeout') {
    cli.child.kill('SIGKILL')
    throw new Error(`the process did not exit within ${ms} ms:\n${cli.output()}`)
  }
  return outcome
}

/** SIGKILLs the process and waits until it is gone (its port and its SQLite lock are free then). */
export async function killHard(cli: CliProcess): Promise<void> {
  cli.child.kill('SIGKILL')
  await cli.exited
}
