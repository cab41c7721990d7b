import type { RouteHandler } from '@hono/zod-openapi'
import type { AppEnv } from '../../app-env.ts'
import type { replyToQuestionRoute } from './routes.ts'

export const replyToQuestion: RouteHandler<typeof replyToQuestionRoute, AppEnv> = async (c) => {
  const { question_id: questionId, answer } = c.req.valid('json')
  const { reply, created } = await c.var.runs.reply(c.var.userId, c.req.valid('param').run_id, questionId, answer)
  if (reply.type !== 'reply') throw new Error(`expected a reply message, got ${reply.type}`)
  return created ? c.json(reply, 201) : c.json(reply, 200)
}
