import { randomUUID } from 'node:crypto'
import type { Message, MessageDraft } from '../../schemas/messages.ts'

/**
 * A message whose seq the database decides, in the statement that appends it: its JSON text in
 * two parts around the seq (`prefix || seq || suffix` in SQL), in the key order every backend
 * serves (`id, seq, run_id, created_at`, then the draft's), and the message once the seq is known.
 */
export interface PendingMessage {
  id: string
  type: Message['type']
  prefix: string
  suffix: string
  at(seq: number): Message
}

export function pendingMessage(runId: string, draft: MessageDraft, createdAt: string, id: string = randomUUID()): PendingMessage {
  const message = { id, seq: 0, run_id: runId, created_at: createdAt, ...draft } as Message
  const text = JSON.stringify(message)
  // The first `,"seq":0` is the envelope's: it follows the id, a UUID with nothing to escape.
  const marker = text.indexOf(',"seq":0,')
  return {
    id,
    type: draft.type,
    prefix: text.slice(0, marker + ',"seq":'.length),
    suffix: text.slice(marker + ',"seq":0'.length),
    at: (seq) => ({ ...message, seq }),
  }
}
