import type { ParseArgsConfig } from 'node:util'
import { parseArgs } from 'node:util'
import { CliError } from './cli-error.ts'

/** Exit code of a command started wrongly (an unknown flag, a bad value), as POSIX utilities use it. */
export const USAGE_ERROR = 2

/**
 * A command's flags, parsed strictly by `node:util`'s parseArgs. `--help` (or `-h`) prints `usage`
 * and returns null: the command then does nothing. An unknown flag or a missing value is a
 * one-line CliError with the usage, exit code 2.
 */
export function parseCommandLine<const O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  usage: string,
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> | null {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage)
    return null
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${usage}`, USAGE_ERROR)
  }
}

/** `--port`: a whole number from 0 (any free port) to 65535, or the default when not given. */
export function portOption(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || port > 65535) throw new CliError(`--port must be a port number from 0 to 65535, not "${raw}"`, USAGE_ERROR)
  return port
}
