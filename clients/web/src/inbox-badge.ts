import type { ApiSession } from './api.ts'
import { h } from './dom.ts'

/** Seconds the inbox's long-poll may be held; under the usual 30 s proxy timeouts. */
const WAIT_SECONDS = 25
/** The most questions one read counts; more shows as "100+". */
const COUNT_LIMIT = 100
/**
 * The long-poll holds only an empty inbox: while questions wait, it answers at once, so the count
 * is read again this often instead (or at once after an answer, through `refresh`).
 */
const RECOUNT_MS = 25_000
/** An empty answer sooner than this was not held (the server is stopping, say): wait this long before asking again. */
const MIN_HELD_MS = 1000

export interface InboxBadge {
  /** The header's "Inbox" link with the count of questions waiting. */
  readonly element: HTMLAnchorElement
  /** Counts again now (a question was answered, the API key changed). */
  refresh(): void
  /** Marks the link as the page shown (`aria-current`), or not. */
  setCurrent(current: boolean): void
}

/**
 * The "Inbox" link and its count of the questions waiting for the caller, kept live by one
 * request at a time: `GET /v1/questions?wait=25`, which the server holds while the inbox is empty
 * and answers as soon as a question is asked of the caller. Failures back off (up to 10 s, as a
 * run's long-poll does); a 401 waits for a new key (`refresh`); a 404 (an API without the inbox)
 * hides the link; a hidden page stops polling and counts again when it is shown. `onCount` hears
 * each new count.
 */
export function createInboxBadge(session: ApiSession, onCount: (count: number) => void): InboxBadge {
  const pill = h('span', { class: 'inbox-pill', 'aria-hidden': 'true' })
  const spoken = h('span', { class: 'visually-hidden' })
  const count = h('span', { id: 'inbox-count', class: 'inbox-count', role: 'status', 'aria-live': 'polite' }, pill, spoken)
  const element = h('a', { class: 'button ghost inbox-link', href: '#/inbox' }, 'Inbox', count)

  // Until the first read says otherwise, nothing waits.
  let shown = 0
  let request: AbortController | undefined
  let wake: (() => void) | undefined
  let failures = 0

  const show = (total: number, more: boolean) => {
    const text = more ? `${total}+` : String(total)
    count.dataset.count = text
    pill.textContent = text
    pill.hidden = total === 0
    spoken.textContent = total === 0 ? 'no questions waiting' : `${text} ${total === 1 && !more ? 'question' : 'questions'} waiting`
    if (total !== shown) {
      shown = total
      onCount(total)
    }
  }

  /** Resolves after `ms`, or sooner when `refresh` is called or the page is shown again. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = ms === Number.POSITIVE_INFINITY ? undefined : setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        wake = undefined
        resolve()
      }
      wake = done
    })

  async function readOnce(): Promise<number> {
    const controller = new AbortController()
    request = controller
    const startedAt = Date.now()
    try {
      const { data, response } = await session.client.GET('/v1/questions', {
        params: { query: { limit: COUNT_LIMIT, wait: shown === 0 ? WAIT_SECONDS : 0 } },
        signal: controller.signal,
      })
      if (data) {
        failures = 0
        element.hidden = false
        show(data.questions.length, data.next_cursor !== null)
        // An empty inbox was held by the server: ask again at once — unless it was not held (a
        // server stopping answers at once), then after a second rather than in a busy loop.
        if (data.questions.length > 0) return RECOUNT_MS
        return Date.now() - startedAt < MIN_HELD_MS ? MIN_HELD_MS : 0
      }
      // No key, or a wrong one: the page asks for one; counting resumes when it is given.
      if (response.status === 401) return Number.POSITIVE_INFINITY
      // An API older than the inbox (chained mode): no link to a view that cannot work.
      if (response.status === 404) {
        element.hidden = true
        return Number.POSITIVE_INFINITY
      }
    } catch {
      if (controller.signal.aborted) return 0 // refreshed or hidden: the loop decides what next
    } finally {
      request = undefined
    }
    failures += 1
    return Math.min(10_000, 250 * 2 ** Math.min(failures, 6))
  }

  async function run() {
    for (;;) {
      if (document.hidden) {
        await pause(Number.POSITIVE_INFINITY)
        continue
      }
      const delay = await readOnce()
      if (delay > 0 && !document.hidden) await pause(delay)
    }
  }

  const refresh = () => {
    request?.abort()
    wake?.()
  }

  document.addEventListener('visibilitychange', () => {
    // Hidden: the held request goes (the loop then sleeps until shown); shown: count again at once.
    if (document.hidden) request?.abort()
    else wake?.()
  })
  show(0, false)
  void run()

  return {
    element,
    refresh,
    setCurrent(current) {
      if (current) element.setAttribute('aria-current', 'page')
      else element.removeAttribute('aria-current')
    },
  }
}
