import type { RouteHandler } from '@hono/zod-openapi'
import type { InboxPage } from '../../../runtime/inbox.ts'
import type { AppEnv } from '../../app-env.ts'
import type { Poll } from '../../held-poll.ts'
import { answerPoll } from '../../held-poll.ts'
import type { listQuestionsRoute } from './routes.ts'

export const listQuestions: RouteHandler<typeof listQuestionsRoute, AppEnv> = (c) => {
  const query = c.req.valid('query')
  const { runs, userId } = c.var
  const poll: Poll<InboxPage> = (clientGone) =>
    runs.listQuestions(userId, {
      status: query.status,
      workflow: query.workflow,
      run_id: query.run_id,
      limit: query.limit,
      cursor: query.cursor,
      waitMs: query.wait * 1000,
      // Asked only if the poll waits (see listMessages).
      clientGone,
    })
  return answerPoll(
    c,
    poll,
    (context, page) => context.json(page, 200),
    (page) => page,
  )
}
