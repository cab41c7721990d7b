import { createHash, timingSafeEqual } from 'node:crypto'
import { apiKeyProblem } from '../../config.ts'

/**
 * The configured API keys, kept as SHA-256 digests: the keys themselves are not held in memory,
 * and a presented key is found by comparing digests with `timingSafeEqual` against every entry,
 * so how long a lookup takes tells nothing of how close a guess came.
 *
 * @example
 * const keys = new ApiKeyDigests({ 'a-key-of-16-chars-or-more': 'alice' }, 'auth.apiKeys')
 * keys.userOf('a-key-of-16-chars-or-more') // 'alice'
 */
export class ApiKeyDigests {
  readonly #entries: { digest: Buffer; userId: string }[] = []

  /** Throws, naming the entry (by its user, never by its key), when a key is too short. */
  constructor(keys: ReadonlyMap<string, string> | Record<string, string>, where: string) {
    const pairs = keys instanceof Map ? [...keys.entries()] : Object.entries(keys)
    for (const [index, [key, userId]] of pairs.entries()) {
      const problem = apiKeyProblem(key)
      if (problem) throw new Error(`${where}: entry ${index + 1} (user "${userId}"): ${problem}`)
      this.#entries.push({ digest: digestOf(key), userId })
    }
  }

  get size(): number {
    return this.#entries.length
  }

  /** The user whose key `presented` is, or undefined. Every entry is compared, whichever matches. */
  userOf(presented: string): string | undefined {
    const digest = digestOf(presented)
    let found: string | undefined
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.userId
    }
    return found
  }
}

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}
