import { describe, expect, it } from 'vitest'
import { REDACTED, redactSecrets, shortReason } from '../../src/llm/redact.ts'

describe('redactSecrets', () => {
  it.each([
    [
      '{"headers":{"authorization":"Bearer sk-abc123def456","x-api-key":"k-123456"}}',
      '{"headers":{"authorization":"[REDACTED]","x-api-key":"[REDACTED]"}}',
    ],
    ["{'Authorization': 'Basic dXNlcjpwYXNz', 'api_key': 'abc'}", "{'Authorization': '[REDACTED]', 'api_key': '[REDACTED]'}"],
    ['Authorization: Bearer eyJhbGciOi.abc.def\nx-api-key: hunter2', 'Authorization: [REDACTED]\nx-api-key: [REDACTED]'],
    ['GET /v1?api-key=abcd1234&x=1', 'GET /v1?api-key=[REDACTED]&x=1'],
    ['Incorrect API key provided: sk-proj-abc1****wxyz.', 'Incorrect API key provided: sk-[REDACTED].'],
    ['sent Bearer abcdefgh1234 to it', 'sent Bearer [REDACTED] to it'],
    ['https://ada:s3cret@llm.internal/v1', 'https://[REDACTED]@llm.internal/v1'],
  ])('masks %j', (text, redacted) => {
    expect(redactSecrets(text)).toBe(redacted)
  })

  it('leaves ordinary text alone', () => {
    for (const text of ['model overloaded', 'the password is too short', 'see https://platform.openai.com/account/api-keys']) {
      expect(redactSecrets(text)).toBe(text)
    }
  })

  it('masks a known secret whatever it looks like, and masking twice changes nothing', () => {
    const once = redactSecrets('denied: gw_7f3a9 (authorization: Bearer gw_7f3a9)', ['gw_7f3a9'])
    expect(once).toBe(`denied: ${REDACTED} (authorization: ${REDACTED})`)
    expect(redactSecrets(once)).toBe(once)
  })
})

describe('shortReason', () => {
  it('redacts before cutting, so no prefix of a key survives at the cut', () => {
    const reason = shortReason(`${'x'.repeat(190)} sk-abcdefghijklmnopqrstuvwxyz`)
    expect(reason).not.toContain('sk-abc')
    expect(reason.length).toBeLessThanOrEqual(201)
    expect(reason.endsWith('…')).toBe(true)
  })
})
