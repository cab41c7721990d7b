import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseApiKeys, readApiKeysFile } from '../../src/config.ts'
import { echo } from '../../src/examples/message-types.ts'
import { createApp } from '../../src/http/app.ts'
import { ApiKeyDigests } from '../../src/http/middleware/api-key-digests.ts'
import { send } from '../support/app-requests.ts'
import { spawnParleyCli } from '../support/cli-process.ts'
import { cleanEnv, exitWithin, START_TIMEOUT_MS } from '../support/parley-process.ts'

/** API keys: at least 16 characters, held as SHA-256 digests, compared in constant time. */

const dir = mkdtempSync(join(tmpdir(), 'parley-key-length-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The error `fn` throws, as text. */
function thrown(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return String(error)
  }
  throw new Error('it did not throw')
}

describe('a key shorter than 16 characters', () => {
  it('is refused in PARLEY_API_KEYS, naming the entry and not the key', () => {
    const message = thrown(() => parseApiKeys('key-alice-0123456789:alice,tiny-key-15char:bob'))
    expect(message).toContain('PARLEY_API_KEYS entry 2: the key is shorter than 16 characters')
    expect(message).not.toContain('tiny-key')
    expect(parseApiKeys('exactly-16-chars:carol').get('exactly-16-chars')).toBe('carol')
  })

  it('is refused in PARLEY_API_KEYS_FILE, naming the entry and not the key', () => {
    const path = join(dir, 'keys.json')
    writeFileSync(path, JSON.stringify({ 'key-alice-0123456789': 'alice', 'short-secret': 'bob' }))
    const message = thrown(() => readApiKeysFile(path))
    expect(message).toContain(`PARLEY_API_KEYS_FILE: entry 2 of ${path}: the key is shorter than 16 characters`)
    expect(message).not.toContain('short-secret')
  })

  it('is refused by createApp({ auth: { apiKeys } }), naming the entry by its user', () => {
    const message = thrown(() => createApp({ workflows: [echo], auth: { apiKeys: { 'key-alice-0123456789': 'alice', pa55word: 'bob' } } }))
    expect(message).toContain('auth.apiKeys: entry 2 (user "bob"): the key is shorter than 16 characters')
    expect(message).not.toContain('pa55word')
  })

  it(
    'stops `parley serve` with exit 1 and that one line',
    async () => {
      const cli = spawnParleyCli(['serve', '--store', 'memory', '--port', '0'], cleanEnv({ PARLEY_API_KEYS: 'hunter2:alice' }))
      expect((await exitWithin(cli, START_TIMEOUT_MS)).code).toBe(1)
      expect(cli.output()).toContain('PARLEY_API_KEYS entry 1: the key is shorter than 16 characters')
      expect(cli.output()).not.toContain('hunter2')
    },
    START_TIMEOUT_MS * 2,
  )
})

describe('the key lookup', () => {
  const alice = 'key-alice-0123456789'
  const keys = new ApiKeyDigests(
    new Map([
      [alice, 'alice'],
      ['key-bob-0123456789ab', 'bob'],
    ]),
    'test',
  )

  it('finds the user of a key, and only for the exact key', () => {
    expect(keys.userOf(alice)).toBe('alice')
    expect(keys.userOf('key-bob-0123456789ab')).toBe('bob')
    for (const near of [alice.slice(0, -1), `${alice}x`, alice.toUpperCase(), `${alice.slice(0, -1)}8`, '', 'k'.repeat(4000)]) {
      expect(keys.userOf(near)).toBeUndefined()
    }
  })

  it('keeps digests, not the keys', () => {
    expect(JSON.stringify(keys)).not.toContain(alice)
    expect(Object.values(keys).map(String).join(' ')).not.toContain(alice)
  })

  it('lets a request in with a valid key and refuses a near miss through the app', async () => {
    const app = createApp({ workflows: [echo], auth: { apiKeys: { [alice]: 'alice' } } })
    try {
      expect((await send(app, 'GET', '/v1/runs', { key: alice })).status).toBe(200)
      expect((await send(app, 'GET', '/v1/runs', { key: `${alice.slice(0, -1)}X` })).status).toBe(401)
    } finally {
      await app.close()
    }
  })
})
