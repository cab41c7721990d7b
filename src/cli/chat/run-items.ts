import type { Message } from '../../../clients/typescript/index.ts'

/**
 * A piece of an agent's reply as the model generates it: an event of the run's stream
 * (`event: text_delta`, no `id:`), never stored in the log. `message_ref` is the `id` the stored
 * `text_message` will have; `index` counts the pieces of one generation from 0 (a 0 again for a
 * ref that already had text: the generation restarted).
 *
 * Declared here until the token-streaming change adds it to the TypeScript client; then this
 * becomes a re-export of the client's type.
 */
export interface TextDelta {
  type: 'text_delta'
  message_ref: string
  index: number
  delta: string
  sender: string | null
  recipient: string | null
}

/** What following a run yields: the log's messages and, from a server that streams tokens, deltas. */
export type RunItem = Message | TextDelta

export function isTextDelta(item: RunItem): item is TextDelta {
  return item.type === 'text_delta'
}
