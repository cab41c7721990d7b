import type { Message } from '../../../clients/typescript/index.ts'
import { describeMessage, lineHead } from './message-lines.ts'
import type { RunItem, TextDelta } from './run-items.ts'
import { isTextDelta } from './run-items.ts'

/** The console's record of a run as it goes: messages line by line, agents' replies token by token. */
export interface Transcript {
  /** Prints a message, or a piece of a reply being generated; anything else (an event kind this console does not know) is ignored. */
  show(item: RunItem): void
  /** Ends the line a reply being generated left open, so that what comes next (a prompt) starts on its own. */
  endLine(): void
}

/** What has been printed of one reply generated token by token (a `message_ref`). */
interface StreamedReply {
  /** The text of its current generation, to compare with the stored message. */
  text: string
  /** The last piece printed; a piece at or below it was already shown (a stream that resent it). */
  lastIndex: number
}

/**
 * A transcript writing through `write` (stdout, or a string in tests). Pieces of a reply (`text_delta`)
 * print as they arrive, after a head naming sender and recipient once; the stored `text_message`
 * whose id is their `message_ref` then only ends the line, unless it says something else than what
 * was streamed (pieces lost on a reconnect), when it is printed whole. A piece with index 0 for a
 * reply that already had text means the generation restarted: the new text follows a "(retrying)".
 *
 * @example
 * const transcript = createTranscript((text) => process.stdout.write(text))
 * for await (const item of followRun(client, runId)) transcript.show(item)
 */
export function createTranscript(write: (text: string) => void): Transcript {
  const replies = new Map<string, StreamedReply>()
  /** The reply whose line is open (its text printed, no newline yet). */
  let openRef: string | null = null

  const endLine = () => {
    if (openRef === null) return
    write('\n')
    openRef = null
  }

  const showDelta = (delta: TextDelta) => {
    const reply = replies.get(delta.message_ref)
    if (reply && delta.index === 0 && reply.text !== '') {
      endLine()
      write(`(retrying) ${lineHead(delta.sender, delta.recipient, 'text_message')}`)
      reply.text = ''
      reply.lastIndex = -1
      openRef = delta.message_ref
    } else if (reply && delta.index <= reply.lastIndex) {
      return
    } else if (openRef !== delta.message_ref) {
      endLine()
      write(lineHead(delta.sender, delta.recipient, 'text_message'))
      openRef = delta.message_ref
    }
    const current = reply ?? { text: '', lastIndex: -1 }
    replies.set(delta.message_ref, current)
    current.text += delta.delta
    current.lastIndex = delta.index
    write(delta.delta)
  }

  const showMessage = (message: Message) => {
    const reply = replies.get(message.id)
    if (reply) replies.delete(message.id)
    if (message.type === 'text_message' && reply && reply.text === message.content.body) {
      if (openRef === message.id) endLine()
      return
    }
    endLine()
    write(`${describeMessage(message)}\n`)
  }

  return {
    show(item) {
      if (isTextDelta(item)) showDelta(item)
      else if (typeof (item as { seq?: unknown }).seq === 'number') showMessage(item)
    },
    endLine,
  }
}
