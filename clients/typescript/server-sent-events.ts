/**
 * A reader of Server-Sent Events over any `ReadableStream` of bytes (a `fetch` response's body),
 * for where `EventSource` will not do: it cannot send an `Authorization` header. It follows the
 * parsing rules of the HTML standard
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
 * and uses nothing but web APIs, so it runs in browsers and in Node alike.
 */

/** One dispatched event: its name (`message` when the stream gives none), its data, and the last `id` seen. */
export interface ServerSentEvent {
  event: string
  data: string
  id: string | undefined
}

const LINE_END = /\r\n|\r|\n/g

/**
 * The events of a stream, in order, until it ends; comments (`: heartbeat`) and `retry:` are
 * skipped, and an event cut off by the end of the stream is dropped, as the standard says. Stopping
 * the iteration (`break`, `return()`) cancels the stream, which closes the connection.
 *
 * @example
 * const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } })
 * for await (const event of readServerSentEvents(response.body!)) console.log(event.id, event.data)
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent, void, undefined> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data: string[] = []
  let id: string | undefined
  const ready: ServerSentEvent[] = []

  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) ready.push({ event: event || 'message', data: data.join('\n'), id })
      event = ''
      data = []
      return
    }
    if (text.startsWith(':')) return
    const colon = text.indexOf(':')
    const field = colon < 0 ? text : text.slice(0, colon)
    let value = colon < 0 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
    else if (field === 'id' && !value.includes('\0')) id = value
  }

  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let start = 0
      LINE_END.lastIndex = 0
      for (let end = LINE_END.exec(buffer); end !== null; end = LINE_END.exec(buffer)) {
        // A lone CR at the end may be the first half of a CRLF still on its way.
        if (end[0] === '\r' && end.index === buffer.length - 1) break
        line(buffer.slice(start, end.index))
        start = end.index + end[0].length
      }
      buffer = buffer.slice(start)
      yield* ready.splice(0)
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
}
