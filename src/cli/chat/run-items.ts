import type { Message, TextDelta } from '../../../clients/typescript/index.ts'

export type { TextDelta }

/** What following a run yields: the log's messages and, from a server that streams tokens, deltas. */
export type RunItem = Message | TextDelta

export function isTextDelta(item: RunItem): item is TextDelta {
  return item.type === 'text_delta'
}
