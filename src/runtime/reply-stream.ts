import { randomUUID } from 'node:crypto'
import type { TextSink } from '../llm/chat-model.ts'
import type { Message } from '../schemas/messages.ts'
import type { Store } from '../store/store.ts'

/** Who a streamed reply is from and to, as its `text_message` will say. */
export interface ReplyAddressing {
  sender: string
  recipient: string
}

/**
 * One agent reply streamed while its model writes it: `sink` publishes each piece as a
 * `text_delta` (live, through the store, never stored), `say` stores the complete text as the
 * `text_message` whose `id` is the deltas' `message_ref`, and `end` says the generation is over
 * (always called, whether it was said, failed or was cut off).
 */
export interface ReplyStream {
  readonly ref: string
  readonly sink: TextSink
  say(body: string): Promise<Message>
  end(): void
}

export interface ReplyStreamDeps {
  store: Store
  runId: string
  /** The seq of the run's newest message as this execution knows it: the deltas come after it. */
  lastSeq: () => number
  /** Stores a text message with the given id (the run's effects: journaled, fenced by the lease). */
  emitText: (input: ReplyAddressing & { body: string }, id: string) => Promise<Message>
}

export function openReplyStream(deps: ReplyStreamDeps, addressing: ReplyAddressing): ReplyStream {
  const ref = randomUUID()
  const { store, runId } = deps
  let index = 0
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    store.publishText({ kind: 'end', runId, messageRef: ref })
  }
  return {
    ref,
    sink: {
      write(text) {
        if (ended || text === '') return
        const delta = { type: 'text_delta' as const, message_ref: ref, index: index++, delta: text, ...addressing }
        store.publishText({ kind: 'delta', runId, afterSeq: deps.lastSeq(), delta })
      },
      restart() {
        index = 0
      },
    },
    say(body) {
      end()
      return deps.emitText({ ...addressing, body }, ref)
    },
    end,
  }
}
