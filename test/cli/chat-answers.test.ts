import { describe, expect, it } from 'vitest'
import type { Question } from '../../clients/typescript/index.ts'
import { answerPrompt, choiceLines, parseAnswer } from '../../src/cli/chat/answers.ts'

const envelope = {
  id: 'q-1',
  seq: 2,
  run_id: 'run-1',
  sender: 'Greeter',
  recipient: 'User',
  auto_reply: false,
  created_at: '2026-11-27T12:00:00.000Z',
}
const deadline = { expires_at: null, on_timeout: null }

function choice(choices: string[], { single = true, fallback = null as string | null } = {}): Question {
  return { ...envelope, type: 'multiple_choice', content: { prompt: 'Pick', choices, default: fallback, single, ...deadline } }
}

function text({ password = false, fallback = null as string | null } = {}): Question {
  return { ...envelope, type: 'text_input', content: { prompt: 'Name?', suggestions: ['Ada'], password, default: fallback, ...deadline } }
}

describe('answers typed at the console', () => {
  it('numbers the choices and says what Enter gives', () => {
    expect(choiceLines(choice(['good', 'bad']))).toEqual(['  1) good', '  2) bad'])
    expect(answerPrompt(choice(['good', 'bad'], { fallback: 'good' }))).toBe('Choose 1-2 [Enter: good]: ')
    expect(answerPrompt(text({ password: true }))).toBe('Password: ')
    expect(choiceLines(text())).toEqual([])
  })

  it('takes a single choice by number, by text in any case, or the default on an empty line', () => {
    const mood = choice(['good', 'bad'], { fallback: 'bad' })
    expect(parseAnswer(mood, '1')).toEqual({ answer: 'good' })
    expect(parseAnswer(mood, ' GOOD ')).toEqual({ answer: 'good' })
    expect(parseAnswer(mood, '')).toEqual({ answer: 'bad' })
  })

  it('asks again for a single choice that is out of range, or empty without a default', () => {
    expect(parseAnswer(choice(['good', 'bad']), '3')).toHaveProperty('invalid')
    expect(parseAnswer(choice(['good', 'bad']), 'meh')).toHaveProperty('invalid')
    expect(parseAnswer(choice(['good', 'bad']), '')).toHaveProperty('invalid')
  })

  it('reads a choice whose text is a number that is not a position as that text', () => {
    expect(parseAnswer(choice(['10', '20']), '20')).toEqual({ answer: '20' })
  })

  it('takes a multi-select as numbers separated by commas or spaces, each once, or texts separated by commas', () => {
    const toppings = choice(['cheese', 'olives', 'basil', 'sun dried tomatoes'], { single: false })
    expect(parseAnswer(toppings, '1, 3 3')).toEqual({ answer: ['cheese', 'basil'] })
    expect(parseAnswer(toppings, 'olives, Sun dried tomatoes')).toEqual({ answer: ['olives', 'sun dried tomatoes'] })
    expect(parseAnswer(toppings, '')).toEqual({ answer: [] })
    expect(parseAnswer(toppings, '1 9')).toHaveProperty('invalid')
  })

  it('takes a text input as typed, the default on an empty line when there is one', () => {
    expect(parseAnswer(text(), '  Ada Lovelace ')).toEqual({ answer: '  Ada Lovelace ' })
    expect(parseAnswer(text({ fallback: 'Grace' }), '')).toEqual({ answer: 'Grace' })
    expect(parseAnswer(text(), '')).toEqual({ answer: '' })
  })
})
