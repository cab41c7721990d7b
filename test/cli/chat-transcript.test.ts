import { describe, expect, it } from 'vitest'
import type { Message } from '../../clients/typescript/index.ts'
import type { RunItem, TextDelta } from '../../src/cli/chat/run-items.ts'
import { createTranscript } from '../../src/cli/chat/transcript.ts'

const REF = '7f1c2b6e-0000-4000-8000-000000000001'
let seq = 0

/** A stored message of the example run, with envelope fields filled in. */
function message<T extends Message['type']>(type: T, content: Extract<Message, { type: T }>['content'], id = `m-${seq + 1}`): Message {
  seq += 1
  return {
    id,
    seq,
    run_id: 'run-1',
    type,
    content,
    sender: 'Teacher_Agent',
    recipient: 'Student_Agent',
    auto_reply: false,
    created_at: '2026-11-27T12:00:00.000Z',
  } as Message
}

function delta(index: number, text: string, ref = REF): TextDelta {
  return { type: 'text_delta', message_ref: ref, index, delta: text, sender: 'Teacher_Agent', recipient: 'Student_Agent' }
}

/** What the transcript prints for a sequence of items. */
function printed(items: RunItem[]): string {
  let output = ''
  const transcript = createTranscript((text) => {
    output += text
  })
  for (const item of items) transcript.show(item)
  transcript.endLine()
  return output
}

describe('the console transcript', () => {
  it('prints each message on its line: sender → recipient, the type, the content', () => {
    expect(
      printed([
        message('text_message', { body: 'Fractions are parts of a whole.' }),
        message('suggested_function_call', { function_name: 'add', call_id: 'c1', arguments: { a: 2, b: 3 } }),
        message('function_call_execution', { function_name: 'add', call_id: 'c1', retval: 5 }),
        message('error', { short: 'Oops', long: 'first line\nsecond line' }),
        message('workflow_completed', { result: 'done' }),
      ]),
    ).toBe(
      [
        'Teacher_Agent → Student_Agent [text_message] Fractions are parts of a whole.',
        'Teacher_Agent → Student_Agent [suggested_function_call] add({"a":2,"b":3})',
        'Teacher_Agent → Student_Agent [function_call_execution] add returned 5',
        'Teacher_Agent → Student_Agent [error] Oops',
        '  first line',
        '  second line',
        'Teacher_Agent → Student_Agent [workflow_completed] result: done',
        '',
      ].join('\n'),
    )
  })

  it('prints deltas as they come after one head, and the stored message only ends their line', () => {
    expect(
      printed([delta(0, 'Happy '), delta(1, 'to '), delta(2, 'help.'), message('text_message', { body: 'Happy to help.' }, REF)]),
    ).toBe('Teacher_Agent → Student_Agent [text_message] Happy to help.\n')
  })

  it('says "(retrying)" and prints the new text when a generation restarts at index 0', () => {
    expect(
      printed([
        delta(0, 'Happy '),
        delta(1, 'to'),
        delta(0, 'Glad '),
        delta(1, 'to help.'),
        message('text_message', { body: 'Glad to help.' }, REF),
      ]),
    ).toBe('Teacher_Agent → Student_Agent [text_message] Happy to\n(retrying) Teacher_Agent → Student_Agent [text_message] Glad to help.\n')
  })

  it('skips a delta it already printed (a stream that sent it again)', () => {
    expect(printed([delta(0, 'Hi '), delta(1, 'there'), delta(1, 'there'), message('text_message', { body: 'Hi there' }, REF)])).toBe(
      'Teacher_Agent → Student_Agent [text_message] Hi there\n',
    )
  })

  it('prints the stored message whole when what was streamed differs from it (pieces lost)', () => {
    expect(printed([delta(0, 'Hi '), message('text_message', { body: 'Hi there' }, REF)])).toBe(
      'Teacher_Agent → Student_Agent [text_message] Hi \nTeacher_Agent → Student_Agent [text_message] Hi there\n',
    )
  })

  it('ends an open streamed line before another message, and starts a new head for another reply', () => {
    const other = '7f1c2b6e-0000-4000-8000-000000000002'
    expect(
      printed([
        delta(0, 'Thinking'),
        message('system_message', { message: { note: 'tick' } }),
        message('text_message', { body: 'Thinking' }, REF),
        delta(0, 'Next', other),
      ]),
    ).toBe(
      [
        'Teacher_Agent → Student_Agent [text_message] Thinking',
        'Teacher_Agent → Student_Agent [system_message] {"note":"tick"}',
        'Teacher_Agent → Student_Agent [text_message] Next',
        '',
      ].join('\n'),
    )
  })

  it('ignores an event kind it does not know', () => {
    const unknown = { type: 'tool_progress', message_ref: REF, percent: 50 } as unknown as RunItem
    expect(printed([unknown, message('text_message', { body: 'Hello' })])).toBe('Teacher_Agent → Student_Agent [text_message] Hello\n')
  })

  it('shows a message nobody in particular sent without an arrow', () => {
    const started = {
      ...message('workflow_started', { name: 'echo', description: 'Says back', params: {} }),
      sender: null,
      recipient: null,
    }
    expect(printed([started])).toBe('[workflow_started] echo: Says back\n')
  })
})
