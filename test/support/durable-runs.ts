import type { Message } from '../../clients/typescript/index.ts'
import type { FakeReply, RecordedRequest } from './fake-openai.ts'

/** Helpers the durable-runs tests share: comparing logs across runs, and a deterministic fake model. */

/**
 * A log as a user reads it, without what differs from one run to another of the same
 * conversation (ids, times, the question a reply names): two runs given the same answers must
 * read the same, however often one of them was interrupted.
 */
export function conversationOf(log: Message[]) {
  return log.map((message) => {
    const content: Record<string, unknown> = { ...message.content }
    if (message.type === 'reply') delete content.question_id
    if (message.type === 'text_input' || message.type === 'multiple_choice') delete content.expires_at
    return { seq: message.seq, type: message.type, sender: message.sender, recipient: message.recipient, content }
  })
}

/** Whether every message appears once, in seq order 1, 2, 3 … */
export function seqsOf(log: Message[]): number[] {
  return log.map((message) => message.seq)
}

/**
 * The fake model's part in `agent_chat`: a teacher that looks the topic up once with its tool,
 * a student that asks, and a summary — each reply decided by the request alone, so a request
 * repeated after a restart is answered as it would have been.
 */
export function tutorReply(request: RecordedRequest): FakeReply {
  const messages: { role: string; content: string | null }[] = request.body.messages
  const system = messages[0]?.content ?? ''
  const last = messages.at(-1)
  const turn = messages.filter((message) => message.role === 'assistant').length + 1
  if (last?.role === 'user' && last.content?.startsWith('Summarize')) return { text: `Summary of ${messages.length - 2} messages` }
  if (last?.role === 'tool') return { text: `Teacher explains, with ${last.content}` }
  const teacher = system.includes('teacher')
  if (teacher && request.body.tools?.length && !messages.some((message) => message.role === 'tool')) {
    return { toolCalls: [{ id: 'call_look_up_1', name: 'look_up', arguments: { topic: 'fractions' } }] }
  }
  return { text: `${teacher ? 'Teacher' : 'Student'} reply ${turn}` }
}

/** The conversation a request carried, to tell a repeated request from a new one. */
export const requestKey = (request: RecordedRequest) => JSON.stringify(request.body.messages)
