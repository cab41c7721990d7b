import { describe, expect, it } from 'vitest'
import type { ServerSentEvent } from '../../clients/typescript/index.ts'
import { readServerSentEvents } from '../../clients/typescript/index.ts'

/** The events `readServerSentEvents` reads from a body that arrives in these chunks. */
async function read(...chunks: string[]): Promise<ServerSentEvent[]> {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk))
      controller.close()
    },
  })
  const events: ServerSentEvent[] = []
  for await (const event of readServerSentEvents(body)) events.push(event)
  return events
}

describe('readServerSentEvents', () => {
  it('reads named events with ids, skipping comments, whatever the chunks', async () => {
    const text = ': hello\n\nevent: message\nid: 1\ndata: {"seq":1}\n\n: heartbeat\n\nevent: message\nid: 2\ndata: {"seq":2}\n\n'
    const whole = await read(text)
    expect(whole).toEqual([
      { event: 'message', id: '1', data: '{"seq":1}' },
      { event: 'message', id: '2', data: '{"seq":2}' },
    ])
    expect(await read(...text.split(''))).toEqual(whole)
  })

  it('takes CRLF and CR line ends, a CRLF split across chunks, and data on several lines', async () => {
    expect(await read('data: a\r', '\ndata: b\r\rdata:c\r\n\r\n')).toEqual([
      { event: 'message', id: undefined, data: 'a\nb' },
      { event: 'message', id: undefined, data: 'c' },
    ])
  })

  it('keeps the last id for later events, and drops an event the stream cut off', async () => {
    expect(await read('id: 7\ndata: x\n\ndata: y\n\ndata: cut')).toEqual([
      { event: 'message', id: '7', data: 'x' },
      { event: 'message', id: '7', data: 'y' },
    ])
  })
})
