import type { RouteHandler } from '@hono/zod-openapi'
import type { AppEnv } from '../../app-env.ts'
import type { createWebhookRoute, deleteWebhookRoute, getWebhookRoute, listDeliveriesRoute, listWebhooksRoute } from './routes.ts'

export const createWebhook: RouteHandler<typeof createWebhookRoute, AppEnv> = async (c) => {
  const webhook = await c.var.webhooks.create(c.var.userId, c.req.valid('json'))
  c.header('Location', `/v1/webhooks/${webhook.id}`)
  return c.json(webhook, 201)
}

export const listWebhooks: RouteHandler<typeof listWebhooksRoute, AppEnv> = async (c) =>
  c.json({ webhooks: await c.var.webhooks.list(c.var.userId) }, 200)

export const getWebhook: RouteHandler<typeof getWebhookRoute, AppEnv> = async (c) =>
  c.json(await c.var.webhooks.get(c.var.userId, c.req.valid('param').webhook_id), 200)

export const deleteWebhook: RouteHandler<typeof deleteWebhookRoute, AppEnv> = async (c) => {
  await c.var.webhooks.delete(c.var.userId, c.req.valid('param').webhook_id)
  return c.body(null, 204)
}

export const listDeliveries: RouteHandler<typeof listDeliveriesRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query')
  const page = await c.var.webhooks.deliveries(c.var.userId, c.req.valid('param').webhook_id, query)
  return c.json(page, 200)
}
