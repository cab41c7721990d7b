/**
 * Polls `probe` every `everyMs` until it gives something truthy, and returns that. After
 * `timeoutMs` — generous, since a loaded machine is slow, never wrong — it fails naming `what`,
 * with what `detail()` tells of the state it saw last, when given.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  what: string,
  { timeoutMs = 20_000, everyMs = 20, detail }: { timeoutMs?: number; everyMs?: number; detail?: () => unknown } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) {
      const seen = detail ? ` (${JSON.stringify(await detail())})` : ''
      throw new Error(`${what}: not within ${timeoutMs} ms${seen}`)
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
