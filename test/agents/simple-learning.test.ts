import { describe, expect, it, vi } from 'vitest'
import { simple_learning } from '../../src/examples/simple-learning.ts'
import { chatLines, useFakeLlmParley } from './run-driver.ts'

const { fake, start } = useFakeLlmParley([simple_learning])

describe('simple_learning against an OpenAI-compatible endpoint', () => {
  it('asks for a subject, alternates student and teacher for max_turns, and completes with the reflection summary', async () => {
    vi.stubEnv('OPENAI_BASE_URL', fake.url)
    vi.stubEnv('OPENAI_API_KEY', 'sk-test')
    vi.stubEnv('PARLEY_MODEL', 'fake-model')
    const first = fake.requests.length
    fake.script(
      { text: 'Teacher: a fraction is a part of a whole.' },
      { text: 'Student: how do I add two fractions?' },
      { text: 'Teacher: find a common denominator first.' },
      { text: 'Student: so 1/2 + 1/3 = 5/6?' },
      { text: 'Teacher: exactly right.' },
      { text: 'Fractions are added over a common denominator.' },
    )
    const run = await start('simple_learning', { max_turns: 3 })

    const question = await run.next('text_input')
    expect(question.content.prompt).toMatch(/mathematics subject/i)
    await run.reply(question, 'Fractions')
    const finished = await run.finish()

    expect(finished.status).toBe('completed')
    expect(finished.result).toBe('Fractions are added over a common denominator.')
    expect(run.messages.map((m) => m.type)).toEqual([
      'workflow_started',
      'text_input',
      'reply',
      ...Array(6).fill('text_message'),
      'workflow_completed',
    ])
    expect(chatLines(run.messages)).toEqual([
      'Student_Agent→Teacher_Agent: I would like to learn about Fractions.',
      'Teacher_Agent→Student_Agent: Teacher: a fraction is a part of a whole.',
      'Student_Agent→Teacher_Agent: Student: how do I add two fractions?',
      'Teacher_Agent→Student_Agent: Teacher: find a common denominator first.',
      'Student_Agent→Teacher_Agent: Student: so 1/2 + 1/3 = 5/6?',
      'Teacher_Agent→Student_Agent: Teacher: exactly right.',
    ])
    const completed = run.messages.at(-1)
    expect(completed?.type === 'workflow_completed' && completed.content.result).toBe('Fractions are added over a common denominator.')
    // 6 completions of 18 tokens each (the fake's default usage)
    expect(finished.usage).toEqual({ prompt_tokens: 66, completion_tokens: 42, total_tokens: 108 })

    // What the endpoint was sent: each agent's own system message and its own side of the chat.
    const sent = fake.requests.slice(first).map((request) => request.body)
    expect(sent).toHaveLength(6)
    expect(sent.every((body) => body.model === 'fake-model')).toBe(true)
    expect(fake.requests[first]?.headers.authorization).toBe('Bearer sk-test')
    expect(sent[0].messages).toEqual([
      { role: 'system', content: 'You are a math teacher.' },
      { role: 'user', content: 'I would like to learn about Fractions.' },
    ])
    expect(sent[1].messages.slice(0, 3)).toEqual([
      { role: 'system', content: 'You are a student willing to learn.' },
      { role: 'assistant', content: 'I would like to learn about Fractions.' },
      { role: 'user', content: 'Teacher: a fraction is a part of a whole.' },
    ])
    expect(sent[5].messages.at(-1)).toEqual({ role: 'user', content: expect.stringMatching(/^Summarize the takeaway/) })
  })

  it('stops after one exchange when max_turns is 1', async () => {
    vi.stubEnv('OPENAI_BASE_URL', fake.url)
    fake.script({ text: 'Primes have exactly two divisors.' }, { text: 'Primes: two divisors.' })
    const run = await start('simple_learning', { max_turns: 1 })
    await run.reply(await run.next('text_input'), 'Prime numbers')
    const finished = await run.finish()
    expect(finished.status).toBe('completed')
    expect(chatLines(run.messages)).toEqual([
      'Student_Agent→Teacher_Agent: I would like to learn about Prime numbers.',
      'Teacher_Agent→Student_Agent: Primes have exactly two divisors.',
    ])
    expect(finished.result).toBe('Primes: two divisors.')
  })
})

describe('simple_learning with no API key and no base URL', () => {
  it('runs on the offline model, which says so in every reply', async () => {
    vi.stubEnv('OPENAI_BASE_URL', '')
    vi.stubEnv('OPENAI_API_KEY', '')
    const before = fake.requests.length
    const run = await start('simple_learning', {})
    await run.reply(await run.next('text_input'), 'Prime numbers')
    const finished = await run.finish()

    expect(finished.status).toBe('completed')
    const lines = chatLines(run.messages)
    expect(lines).toHaveLength(6)
    expect(lines.map((line) => line.split(':')[0])).toEqual([
      'Student_Agent→Teacher_Agent',
      'Teacher_Agent→Student_Agent',
      'Student_Agent→Teacher_Agent',
      'Teacher_Agent→Student_Agent',
      'Student_Agent→Teacher_Agent',
      'Teacher_Agent→Student_Agent',
    ])
    for (const line of lines.slice(1)) expect(line).toContain('[offline model]')
    expect(lines[1]).toContain('Prime numbers')
    expect(finished.result).toMatch(/^\[offline model\] Takeaway: .*Prime numbers/)
    expect(finished.usage.total_tokens).toBeGreaterThan(0)
    expect(fake.requests.length).toBe(before) // nothing went over the network
  })

  it('is deterministic: the same subject gives the same conversation', async () => {
    vi.stubEnv('OPENAI_BASE_URL', '')
    vi.stubEnv('OPENAI_API_KEY', '')
    const conversations: string[][] = []
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = await start('simple_learning', { max_turns: 2 })
      await run.reply(await run.next('text_input'), 'Geometry')
      await run.finish()
      conversations.push(chatLines(run.messages))
    }
    expect(conversations[0]).toEqual(conversations[1])
  })
})
