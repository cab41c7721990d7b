import type { InboxItem, QuestionStatus } from '../schemas/questions.ts'
import { decodeCursor, encodeCursor } from '../store/records.ts'
import type { Store } from '../store/store.ts'
import { inboxItem } from '../store/webhook-events.ts'
import { ParleyError } from './errors.ts'
import type { ClientGone } from './long-poll.ts'
import type { Stopping } from './stopping.ts'

/** What `GET /v1/questions` asks. */
export interface InboxQuery {
  status: QuestionStatus
  workflow?: string | undefined
  run_id?: string | undefined
  limit: number
  cursor?: string | undefined
  /** Held this long while the first page would be empty (ms). */
  waitMs: number
  /** Listens for the client going away, called only when the inbox is about to wait (see `MessageWait.clientGone`). */
  readonly clientGone?: ClientGone | undefined
}

export interface InboxPage {
  questions: InboxItem[]
  next_cursor: string | null
}

export interface InboxDeps {
  store: Store
  stopping: Stopping
  gauge: { held: number }
  /** Takes a place among the user's held polls (or throws 429); returns the function that gives it back. */
  hold: (userId: string, waitMs: number) => () => void
}

/**
 * The inbox: the questions `userId` may answer, across runs — of their own runs, and those naming
 * them among `assignees` — newest first, a page at a time. On the first page, an empty inbox is
 * held up to `waitMs` and answered as soon as a question is asked of the user (the store's
 * `onQuestionAsked`, from any process), so an approver's client needs one request, not one per run.
 */
export async function readInbox(deps: InboxDeps, userId: string, query: InboxQuery): Promise<InboxPage> {
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
  if (cursor === null) {
    throw new ParleyError('validation_failed', 'The cursor was not issued by this server', [
      { field: 'query.cursor', message: 'use next_cursor from a previous page' },
    ])
  }
  const read = async (): Promise<InboxPage> => {
    // One extra row tells whether another page exists without a second query.
    const { status, workflow, run_id, limit } = query
    const rows = await deps.store.listQuestions({ user_id: userId, status, workflow, run_id, limit: limit + 1, cursor })
    const listed = rows.slice(0, limit)
    const last = listed.at(-1)
    return {
      questions: listed.map(({ question, status, run }) => inboxItem(userId, run, question, status)),
      next_cursor: rows.length > limit && last ? encodeCursor(last.question) : null,
    }
  }
  if (cursor !== undefined || query.waitMs <= 0 || deps.stopping.stopped) return read()
  return waitForQuestions(deps, userId, query, read)
}

/**
 * Reads the inbox, and while it is empty waits for a question asked of `userId`, the client to go,
 * the server to stop or `waitMs` to pass, whichever comes first. Listening starts before the first
 * read, so a question asked during it is not missed; its listener and timer go however it ends.
 */
function waitForQuestions(deps: InboxDeps, userId: string, query: InboxQuery, read: () => Promise<InboxPage>): Promise<InboxPage> {
  return new Promise<InboxPage>((resolve, reject) => {
    let settled = false
    let asked = false
    let reading = false
    let release: (() => void) | null = null
    let timer: NodeJS.Timeout | undefined
    const cleanups: (() => void)[] = []
    const finish = (outcome: InboxPage | Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      for (const cleanup of cleanups) cleanup()
      if (release) {
        release()
        deps.gauge.held--
      }
      outcome instanceof Error ? reject(outcome) : resolve(outcome)
    }
    /** Holds the empty inbox: a place among the user's held polls, the timer, the client and the server's stop. */
    const hold = (): boolean => {
      try {
        release = deps.hold(userId, query.waitMs)
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)))
        return false
      }
      deps.gauge.held++
      const empty = () => finish({ questions: [], next_cursor: null })
      timer = setTimeout(empty, query.waitMs)
      // Last: it can end the wait at once (a client already gone), and over Node it lets go of the chain.
      cleanups.push(deps.stopping.onStop(empty))
      if (query.clientGone) cleanups.push(query.clientGone(empty))
      return !settled
    }
    /** Reads again (once more if a question was asked meanwhile); answers when there is something, else holds. */
    const look = async () => {
      if (settled) return
      if (reading) {
        asked = true
        return
      }
      reading = true
      try {
        for (;;) {
          asked = false
          const page = await read()
          if (settled) return
          if (page.questions.length > 0 || deps.stopping.stopped) return finish(page)
          if (release === null && !hold()) return
          if (!asked) return
        }
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)))
      } finally {
        reading = false
      }
    }
    cleanups.push(
      deps.store.onQuestionAsked((audience) => {
        if (audience === null || audience.includes(userId)) void look()
      }),
    )
    void look()
  })
}
