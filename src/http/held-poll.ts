import type { Context } from 'hono'
import type { ClientGone } from '../runtime/long-poll.ts'
import type { AppEnv } from './app-env.ts'
import { clientGone } from './client-gone.ts'
import type { DetachedAnswer } from './detached-answer.ts'
import { canDetach, detach } from './detached-answer.ts'

/**
 * A long-poll's work: resolves with its page. It calls `clientGone` only when it is about to wait
 * (after every check that can refuse it), and that call is the moment the chain can let go.
 */
export type Poll<Page> = (clientGone: ClientGone) => Promise<Page>

/** The chain's own answer of a page (a typed `c.json`); takes the context so no closure keeps it. */
export type Respond<Page, T> = (context: Context<AppEnv>, page: Page) => T

/**
 * Answers a long-poll route (`GET /v1/runs/{run_id}/messages`, `GET /v1/questions`). Served over
 * Node by `ParleyApp.fetch`, a poll that waits lets go of the chain and is answered on the Node
 * response with `body(page)` (src/http/detached-answer.ts); one answered at once goes back
 * through the chain as any other, with `respond`. Elsewhere (`app.request`) the chain waits.
 */
export function answerPoll<Page, T>(
  c: Context<AppEnv>,
  poll: Poll<Page>,
  respond: Respond<Page, T>,
  body: (page: Page) => unknown,
): Promise<T> {
  return canDetach(c) ? pollDetachable(c, poll, respond, body) : poll(clientGone(c)).then((page) => respond(c, page))
}

/** No closure here takes `c` itself: the chain's `Context` is let go the moment the poll waits. */
function pollDetachable<Page, T>(
  c: Context<AppEnv>,
  poll: Poll<Page>,
  respond: Respond<Page, T>,
  body: (page: Page) => unknown,
): Promise<T> {
  const listen = clientGone(c)
  const chain: { context?: Context<AppEnv> } = { context: c }
  return new Promise<T>((resolve, reject) => {
    let detached: DetachedAnswer | undefined
    poll((gone) => {
      const stopListening = listen(gone)
      if (chain.context) {
        const { answer, endChain } = detach(chain.context)
        detached = answer
        chain.context = undefined
        // The chain's own type of answer is a typed JSON response; this one says "written elsewhere".
        resolve(endChain as T)
      }
      return stopListening
    }).then(
      (page) => {
        if (detached) detached.json(200, body(page))
        else if (chain.context) resolve(respond(chain.context, page))
      },
      (error: unknown) => (detached ? detached.fail(error) : reject(error)),
    )
  })
}
