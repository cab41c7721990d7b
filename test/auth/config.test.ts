import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig, parseApiKeys, readApiKeysFile } from '../../src/config.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { send } from '../support/app-requests.ts'

const dir = mkdtempSync(join(tmpdir(), 'parley-keys-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let files = 0
function keysFile(content: string): string {
  const path = join(dir, `keys-${++files}.json`)
  writeFileSync(path, content)
  return path
}

describe('PARLEY_API_KEYS (parseApiKeys)', () => {
  it('maps each key to its user id', () => {
    expect(parseApiKeys('key1-0123456789ab:alice,key2-0123456789ab:bob')).toEqual(
      new Map([
        ['key1-0123456789ab', 'alice'],
        ['key2-0123456789ab', 'bob'],
      ]),
    )
  })

  it('trims spaces, skips empty entries, and is empty (auth off) when unset', () => {
    expect(parseApiKeys(' key1-0123456789ab : alice , ,key2-0123456789ab:bob, ')).toEqual(
      new Map([
        ['key1-0123456789ab', 'alice'],
        ['key2-0123456789ab', 'bob'],
      ]),
    )
    expect(parseApiKeys(undefined).size).toBe(0)
    expect(parseApiKeys('').size).toBe(0)
  })

  it('splits at the last colon, so a key may contain colons', () => {
    expect(parseApiKeys('sk:live:abc-0123456789:alice')).toEqual(new Map([['sk:live:abc-0123456789', 'alice']]))
  })

  it.each([
    ['no colon', 'key1-0123456789ab:alice,justakey', 2],
    ['no key', ':alice', 1],
    ['no user', 'key1-0123456789ab:', 1],
    ['blank key', '  :alice', 1],
  ])('throws clearly on a bad entry (%s), naming its position but not the key', (_label, raw, position) => {
    expect(() => parseApiKeys(raw)).toThrow(new RegExp(`PARLEY_API_KEYS entry ${position} is not key:user_id`))
    try {
      parseApiKeys(raw)
    } catch (error) {
      expect(String(error)).not.toContain('justakey')
    }
  })

  it('throws when one key is given to two users, and accepts a harmless repeat', () => {
    expect(() => parseApiKeys('k-0123456789abcdef:alice,k-0123456789abcdef:bob')).toThrow(
      /entry 2: this key is already given to user "alice"/,
    )
    expect(parseApiKeys('k-0123456789abcdef:alice,k-0123456789abcdef:alice')).toEqual(new Map([['k-0123456789abcdef', 'alice']]))
  })
})

describe('PARLEY_API_KEYS_FILE (readApiKeysFile, loadConfig)', () => {
  it('reads a JSON object of key → user id', () => {
    const path = keysFile(JSON.stringify({ 'key-a-0123456789': 'alice', 'key-b-0123456789': 'bob' }))
    expect(readApiKeysFile(path)).toEqual(
      new Map([
        ['key-a-0123456789', 'alice'],
        ['key-b-0123456789', 'bob'],
      ]),
    )
    expect(loadConfig({ PARLEY_API_KEYS_FILE: path }).apiKeys.get('key-b-0123456789')).toBe('bob')
  })

  it('merges with PARLEY_API_KEYS', () => {
    const path = keysFile(JSON.stringify({ 'key-a-0123456789': 'alice' }))
    const { apiKeys } = loadConfig({ PARLEY_API_KEYS: 'key-c-0123456789:carol,key-a-0123456789:alice', PARLEY_API_KEYS_FILE: path })
    expect(apiKeys).toEqual(
      new Map([
        ['key-c-0123456789', 'carol'],
        ['key-a-0123456789', 'alice'],
      ]),
    )
  })

  it('throws when the file and PARLEY_API_KEYS give one key to two users', () => {
    const path = keysFile(JSON.stringify({ 'key-a-0123456789': 'mallory' }))
    expect(() => loadConfig({ PARLEY_API_KEYS: 'key-a-0123456789:alice', PARLEY_API_KEYS_FILE: path })).toThrow(
      /PARLEY_API_KEYS_FILE .*already given to user "alice"/,
    )
  })

  it.each([
    ['a missing file', null, /cannot read .*\(ENOENT\)/],
    ['invalid JSON', '{"key-secret": "alice",', /is not valid JSON$/],
    ['an array', '[["key", "alice"]]', /must hold a JSON object/],
    ['a non-string user id', '{"key": 42}', /entry 1 of .* must map a non-empty key to a non-empty user id string/],
    ['an empty user id', '{"key": " "}', /entry 1 of .* non-empty user id/],
    ['an empty key', '{"": "alice"}', /entry 1 of .* non-empty key/],
    ['no keys at all', '{}', /holds no keys \(auth would be off\)/],
  ])('throws clearly on %s, never echoing a key', (_label, content, message) => {
    const path = content === null ? join(dir, 'does-not-exist.json') : keysFile(content)
    expect(() => loadConfig({ PARLEY_API_KEYS_FILE: path })).toThrow(message)
    expect(() => loadConfig({ PARLEY_API_KEYS_FILE: path })).toThrow(/^PARLEY_API_KEYS_FILE: /)
    try {
      readApiKeysFile(path)
    } catch (error) {
      expect(String(error)).not.toContain('key-secret')
    }
  })

  it('turns auth on for the app built from the config', async () => {
    const path = keysFile(JSON.stringify({ 'file-key-0123456789': 'grace' }))
    const config = loadConfig({ PARLEY_API_KEYS_FILE: path })
    const whoami = defineWorkflow({ name: 'whoami', description: 'Returns ctx.userId', run: async (_ui, _params, ctx) => ctx.userId })
    const app = createApp({ workflows: [whoami], auth: { apiKeys: config.apiKeys } })
    try {
      expect((await send(app, 'GET', '/v1/runs')).status).toBe(401)
      const created = await send(app, 'POST', '/v1/runs', { key: 'file-key-0123456789', body: { workflow: 'whoami' } })
      expect(created.status).toBe(201)
      const page = await send(app, 'GET', `/v1/runs/${created.body.id}/messages?wait=5&after=1`, { key: 'file-key-0123456789' })
      expect(page.body.messages.at(-1)).toMatchObject({ type: 'workflow_completed', content: { result: 'grace' } })
    } finally {
      await app.close()
    }
  })

  it('leaves auth off when neither variable is set', () => {
    expect(loadConfig({}).apiKeys.size).toBe(0)
  })
})
