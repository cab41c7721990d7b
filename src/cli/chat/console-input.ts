import { createInterface } from 'node:readline'

export interface ReadLineOptions {
  /** Typed characters are not shown: a `*` each on a terminal, nothing from a pipe. */
  masked?: boolean
  /** Gives the read up: the prompt's line is ended and the read rejects with the signal's reason. */
  signal?: AbortSignal
}

/** Lines typed at the console, and Ctrl-C. */
export interface ConsoleInput {
  /**
   * Shows `prompt` and reads one line; null when the input has ended (Ctrl-D, or the end of a pipe).
   * A read started while another waits takes the input over (a confirmation asked in the middle of
   * a question); the earlier one gets it back, its prompt and what was typed shown again, once the
   * later one is done.
   */
  readLine(prompt: string, options?: ReadLineOptions): Promise<string | null>
  /** Called on Ctrl-C: the key, read in raw mode on a terminal, or SIGINT. */
  onInterrupt(handler: () => void): void
  /** Gives the terminal back as it was (raw mode off) and stops reading. */
  close(): void
}

interface PendingRead {
  prompt: string
  masked: boolean
  typed: string
  /** Whether its prompt is the console's last line (not covered by a later read's). */
  visible: boolean
  resolve: (line: string | null) => void
}

const CTRL_C = '\u0003'
const CTRL_D = '\u0004'
const CTRL_U = '\u0015'
const ESCAPE = '\u001b'

/**
 * The console's input. On a terminal it reads key by key in raw mode for the whole session — so a
 * password is never echoed, and Ctrl-C is a key this process handles rather than a signal that
 * kills it — with the little line editing a prompt needs (Backspace, Ctrl-U). From a pipe it reads
 * whole lines and echoes the unmasked ones after their prompt, so the output reads like a session.
 */
export function createConsoleInput(stdin: NodeJS.ReadStream, write: (text: string) => void): ConsoleInput {
  const reads: PendingRead[] = []
  const interruptHandlers: Array<() => void> = []
  const interrupt = () => {
    for (const handler of interruptHandlers) handler()
  }
  let ended = false
  const terminal = stdin.isTTY === true

  const finish = (read: PendingRead, line: string | null) => {
    const at = reads.indexOf(read)
    if (at === -1) return
    reads.splice(at, 1)
    read.resolve(line)
    // The read below gets its prompt back once whoever waited for this line has acted on it: a
    // confirmation that gives the question up (aborts its read) leaves no stale prompt behind.
    setImmediate(() => {
      const resumed = reads.at(-1)
      if (!resumed || resumed.visible) return
      resumed.visible = true
      write(resumed.prompt + (resumed.masked ? '*'.repeat([...resumed.typed].length) : resumed.typed))
    })
  }

  const onSigint = () => interrupt()
  process.on('SIGINT', onSigint)

  let stop: () => void
  /** Hands a piped line queued before anyone asked to the read that now asks (piped input only). */
  let takeQueued: ((read: PendingRead) => void) | undefined
  if (terminal) {
    const keys = keyReader(
      () => reads.at(-1),
      write,
      interrupt,
      (read, line) => finish(read, line),
    )
    stdin.setRawMode(true)
    stdin.setEncoding('utf8')
    stdin.on('data', keys)
    stop = () => {
      stdin.off('data', keys)
      stdin.setRawMode(false)
      stdin.pause()
    }
  } else {
    const queued: string[] = []
    const lines = createInterface({ input: stdin, terminal: false, crlfDelay: Number.POSITIVE_INFINITY })
    lines.on('line', (line) => {
      const read = reads.at(-1)
      if (!read) return void queued.push(line)
      write(read.masked ? '\n' : `${line}\n`)
      finish(read, line)
    })
    lines.on('close', () => {
      ended = true
      if (reads.at(-1)?.visible) write('\n')
      for (const read of [...reads].reverse()) finish(read, null)
    })
    takeQueued = (read) => {
      const line = queued.shift()
      if (line === undefined) return
      write(read.masked ? '\n' : `${line}\n`)
      finish(read, line)
    }
    stop = () => lines.close()
  }

  return {
    readLine(prompt, { masked = false, signal } = {}) {
      return new Promise((resolve, reject) => {
        signal?.throwIfAborted()
        const read: PendingRead = { prompt, masked, typed: '', visible: true, resolve }
        const covered = reads.at(-1)
        if (covered) covered.visible = false
        reads.push(read)
        write(prompt)
        signal?.addEventListener(
          'abort',
          () => {
            if (!reads.includes(read)) return
            if (read.visible) write('\n')
            reads.splice(reads.indexOf(read), 1)
            reject(signal.reason)
          },
          { once: true },
        )
        takeQueued?.(read)
        if (ended && reads.includes(read)) {
          write('\n')
          finish(read, null)
        }
      })
    },
    onInterrupt(handler) {
      interruptHandlers.push(handler)
    },
    close() {
      process.off('SIGINT', onSigint)
      stop()
    },
  }
}

/**
 * What each chunk of keys typed at a raw terminal does to the read on top (`current()`): characters
 * are added (echoed, or `*`), Backspace and Ctrl-U edit, Enter ends the line, Ctrl-D on an empty
 * line ends the input, Ctrl-C interrupts; escape sequences (arrow keys) are skipped.
 */
function keyReader(
  current: () => PendingRead | undefined,
  write: (text: string) => void,
  interrupt: () => void,
  finish: (read: PendingRead, line: string | null) => void,
): (chunk: string) => void {
  let escaping = false
  return (chunk) => {
    for (const key of chunk) {
      if (escaping) {
        // A CSI sequence ends with a letter or ~ (ESC [ A is the up arrow).
        if (/[A-Za-z~]/.test(key)) escaping = false
        continue
      }
      if (key === CTRL_C) {
        interrupt()
        continue
      }
      const read = current()
      if (key === ESCAPE) escaping = true
      else if (!read) continue
      else if (key === '\r' || key === '\n') {
        write('\n')
        finish(read, read.typed)
      } else if (key === '\u007f' || key === '\b') {
        if (read.typed === '') continue
        read.typed = [...read.typed].slice(0, -1).join('')
        write('\b \b')
      } else if (key === CTRL_U) {
        write('\b \b'.repeat([...read.typed].length))
        read.typed = ''
      } else if (key === CTRL_D) {
        if (read.typed !== '') continue
        write('\n')
        finish(read, null)
      } else if (key >= ' ') {
        read.typed += key
        write(read.masked ? '*' : key)
      }
    }
  }
}
