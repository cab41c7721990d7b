import { spawn } from 'node:child_process'
import type { CliProcess } from './cli-process.ts'
import { REPO } from './cli-process.ts'

/** Ctrl-C as a terminal sends it: a key, which the line discipline or a raw-mode reader turns into an interrupt. */
export const CTRL_C = '\u0003'

/** `'it'\''s'`: one argument for `sh -c`, whatever it holds. */
const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

/**
 * `parley …args` in a pseudo-terminal, through util-linux `script` (no dependency): the command sees
 * a TTY on stdin and stdout, what the test writes to `child.stdin` is typed at that terminal (Enter
 * is `\r`), and `output()` is the screen's bytes (lines end in `\r\n`). `script -e` exits with the
 * command's code.
 */
export function spawnParleyInTerminal(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const command = ['exec', process.execPath, 'scripts/parley.mjs', ...args].map(shellQuote).join(' ')
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: REPO, env })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { name: `parley ${args[0] ?? ''} (in a terminal)`, child, output: () => output, exited }
}
