import { setTimeout as delay } from 'node:timers/promises'
import type { ChatCompletion, ChatMessage, ChatModel, ChatRequest, ToolCall } from './chat-model.ts'
import { offlineToolCall } from './offline-tool-call.ts'

/** Every reply of the offline model starts with this, so nobody mistakes it for a real model. */
export const OFFLINE_TAG = '[offline model]'

const HINT = 'Set OPENAI_API_KEY or OPENAI_BASE_URL to talk to a real model.'

const TEACHER_LINES = [
  (topic: string) =>
    `Happy to teach you ${topic}! Start with the core idea: name the objects involved, state the rule that links them, and try it on a small example.`,
  (topic: string) =>
    `Good question. A worked example in ${topic}: write down what you know, apply the rule one step at a time, and check the result on a case you can verify by hand.`,
  (topic: string) =>
    `The most common mistake in ${topic} is skipping steps. Do three short exercises and explain each step aloud; that is how it sticks.`,
  (topic: string) => `To check your answers in ${topic}, solve the problem a second way, or plug your answer back into the question.`,
]

const STUDENT_LINES = [
  (topic: string) => `Thank you! Could you show me a worked example in ${topic}?`,
  (topic: string) => `That makes sense. What mistakes do students often make in ${topic}?`,
  (topic: string) => `I will practise that. How can I check my own answers in ${topic}?`,
  (topic: string) => `Thanks, that helps a lot. Is there a next topic you would suggest after ${topic}?`,
]

/**
 * The built-in model used when no API key and no base URL are configured: deterministic (the
 * same conversation always gets the same replies), and every reply says it is the offline model.
 * It plays a student or a teacher when its system message says so, calls tools when it is
 * offered some, writes a reflection summary when asked to summarise, and otherwise echoes.
 */
export function createOfflineModel(options: { tokenDelayMs?: number } = {}): ChatModel {
  const tokenDelayMs = options.tokenDelayMs ?? 0
  return {
    label: 'offline',
    async complete(request, signal, sink) {
      signal.throwIfAborted()
      await Promise.resolve() // answer asynchronously, like a real endpoint
      const message = reply(request)
      // Streamed word by word, at a typist's pace, so a client shows text growing without an API key.
      if (sink && message.content) {
        for (const word of message.content.match(WORDS) ?? []) {
          if (tokenDelayMs > 0) await delay(tokenDelayMs, undefined, { signal })
          signal.throwIfAborted()
          sink.write(word)
        }
      }
      return { message, usage: estimateUsage(request.messages, message) }
    },
  }
}

/** A word with the spaces before it; the pieces join back into the text exactly. */
const WORDS = /\s*\S+|\s+$/g

function reply(request: ChatRequest): ChatCompletion['message'] {
  const messages = request.messages
  const last = messages.at(-1)
  const text = (content: string) => ({ content: `${OFFLINE_TAG} ${content}`, tool_calls: [] })
  if (!last) return text(`Nothing to answer. ${HINT}`)
  const conversation = messages.filter((message) => message.role !== 'system')
  const topic = topicOf(conversation[0]?.content ?? '')

  if (last.role === 'user' && /^\s*summari[sz]e\b/i.test(last.content)) {
    const count = conversation.length - 1
    return text(
      `Takeaway: ${count} messages on ${topic} — the core idea, a worked example, common mistakes and how to check answers. ${HINT}`,
    )
  }
  if (last.role === 'tool') {
    const name = callOf(messages, last.tool_call_id)?.name ?? 'the tool'
    return text(`${name} answered: ${last.content}. That answers the question. TERMINATE`)
  }
  if (request.tools.length > 0 && last.role === 'user') {
    const call = offlineToolCall(request.tools, last.content, `call_offline_${messages.length}`)
    if (call) return { content: null, tool_calls: [call] }
  }

  const system = messages.find((message) => message.role === 'system')?.content.toLowerCase() ?? ''
  const turn = messages.filter((message) => message.role === 'assistant').length
  if (system.includes('teacher')) return text(pick(TEACHER_LINES, turn)(topic))
  if (system.includes('student')) return text(pick(STUDENT_LINES, turn - 1)(topic))
  return text(`I am Parley's built-in offline model, so this is a canned reply to “${snippet(last.content ?? '')}”. ${HINT}`)
}

/** "I would like to learn about prime numbers." → "prime numbers"; otherwise the opening itself. */
function topicOf(opening: string | null): string {
  const about = /\babout\s+([^.?!\n]+)/i.exec(opening ?? '')?.[1]
  return snippet(about ?? opening ?? 'this subject') || 'this subject'
}

function callOf(messages: ChatMessage[], id: string): ToolCall | undefined {
  for (const message of messages) {
    if (message.role !== 'assistant') continue
    const call = message.tool_calls?.find((candidate) => candidate.id === id)
    if (call) return call
  }
  return undefined
}

function pick<T>(lines: readonly T[], index: number): T {
  const line = lines[Math.max(0, index) % lines.length]
  if (line === undefined) throw new Error('no offline lines')
  return line
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat
}

/** About four characters a token, as tokenizers go; enough for `Run.usage` to move. */
function estimateUsage(messages: ChatMessage[], reply: ChatCompletion['message']) {
  const tokens = (text: string) => Math.ceil(text.length / 4)
  const prompt_tokens = messages.reduce((sum, message) => sum + tokens(JSON.stringify(message)), 0)
  const completion_tokens = tokens(reply.content ?? JSON.stringify(reply.tool_calls))
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens }
}
