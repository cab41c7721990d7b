/** How long a stop may take before the process gives up waiting (a deploy waits about 10 s). */
const STOP_LIMIT_MS = 9000

/**
 * On SIGTERM or SIGINT, runs `stop` once and exits 0; exits 1 if it has not finished within 9 s
 * (a workflow that ignores its signal must not keep the process alive past what a deploy waits).
 */
export function stopOnSignals(what: string, stop: () => Promise<void>): void {
  let stopping = false
  const onSignal = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`parley: ${signal}, stopping ${what}`)
    setTimeout(() => {
      console.error(`parley: still stopping after ${STOP_LIMIT_MS / 1000} s; exiting now`)
      process.exit(1)
    }, STOP_LIMIT_MS).unref()
    await stop()
    console.log('parley: stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void onSignal('SIGINT'))
  process.on('SIGTERM', () => void onSignal('SIGTERM'))
  // Node exits on an unhandled rejection by default; one workflow's unawaited promise must not
  // take every other run down with it. Logged, and the process lives on.
  process.on('unhandledRejection', (reason) => console.error('parley: unhandled rejection (an unawaited promise in a workflow?)', reason))
}

/**
 * On SIGUSR2, prints one line with the process's memory and how many runs it executes: for an
 * operator watching a worker (`kill -USR2 <pid>`). Started with `--expose-gc` (NODE_OPTIONS), it
 * collects garbage first, so that the heap figure is what is alive.
 */
export function reportOnSignal(executing: () => number): void {
  process.on('SIGUSR2', () => {
    const collect = (globalThis as { gc?: () => void }).gc
    collect?.()
    const { rss, heapUsed } = process.memoryUsage()
    const kib = (bytes: number) => Math.round(bytes / 1024)
    console.log(`parley: memory rss=${kib(rss)}KiB heap_used=${kib(heapUsed)}KiB${collect ? ' (after gc)' : ''} executing=${executing()}`)
  })
}
