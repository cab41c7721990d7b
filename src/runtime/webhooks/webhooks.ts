import { randomUUID } from 'node:crypto'
import type { DeliveryStatus, Webhook, WebhookDelivery, WebhookEventType } from '../../schemas/webhooks.ts'
import { MAX_WEBHOOKS_PER_USER } from '../../schemas/webhooks.ts'
import type { DeliveryRecord, WebhookRecord, WebhookStore } from '../../store/store.ts'
import { ParleyError } from '../errors.ts'
import { newWebhookSecret } from './signature.ts'
import { refusedWebhookUrl } from './target-address.ts'

export interface NewWebhook {
  url: string
  events: WebhookEventType[]
  secret?: string | undefined
  description?: string | undefined
}

export interface DeliveryPageQuery {
  status?: DeliveryStatus | undefined
  limit: number
  cursor?: string | undefined
}

/** A user's webhooks, as the API manages them: registered, listed, deleted, and their deliveries shown. */
export class Webhooks {
  readonly #store: WebhookStore
  readonly #allowPrivate: boolean

  constructor(store: WebhookStore, options: { allowPrivate?: boolean | undefined } = {}) {
    this.#store = store
    this.#allowPrivate = options.allowPrivate ?? false
  }

  async create(userId: string, input: NewWebhook): Promise<Webhook & { secret: string }> {
    const refused = refusedWebhookUrl(input.url, this.#allowPrivate)
    if (refused) throw new ParleyError('validation_failed', 'Invalid body', [{ field: 'body.url', message: refused }])
    const record: WebhookRecord = {
      id: randomUUID(),
      user_id: userId,
      url: input.url,
      events: input.events,
      secret: input.secret ?? newWebhookSecret(),
      description: input.description ?? null,
      created_at: new Date().toISOString(),
    }
    if (!(await this.#store.create(record, MAX_WEBHOOKS_PER_USER))) {
      throw new ParleyError('too_many_webhooks', `You have ${MAX_WEBHOOKS_PER_USER} webhooks, the most one user may have; delete one first`)
    }
    return { ...present(record), secret: record.secret }
  }

  async list(userId: string): Promise<Webhook[]> {
    return (await this.#store.list(userId)).map(present)
  }

  async get(userId: string, webhookId: string): Promise<Webhook> {
    return present(await this.#owned(userId, webhookId))
  }

  async delete(userId: string, webhookId: string): Promise<void> {
    if (!(await this.#store.delete(webhookId, userId))) throw notFound(webhookId)
  }

  async deliveries(userId: string, webhookId: string, query: DeliveryPageQuery) {
    await this.#owned(userId, webhookId)
    const before = query.cursor === undefined ? undefined : decodePosition(query.cursor)
    if (before === null) {
      throw new ParleyError('validation_failed', 'The cursor was not issued by this server', [
        { field: 'query.cursor', message: 'use next_cursor from a previous page' },
      ])
    }
    const rows = await this.#store.deliveries({ webhook_id: webhookId, status: query.status, limit: query.limit + 1, before })
    const page = rows.slice(0, query.limit)
    const last = page.at(-1)
    return {
      deliveries: page.map(presentDelivery),
      next_cursor: rows.length > query.limit && last ? encodePosition(last.position) : null,
    }
  }

  async #owned(userId: string, webhookId: string): Promise<WebhookRecord> {
    const webhook = await this.#store.get(webhookId, userId)
    if (!webhook) throw notFound(webhookId)
    return webhook
  }
}

function notFound(webhookId: string): ParleyError {
  return new ParleyError('webhook_not_found', `No webhook ${webhookId}`)
}

function present({ id, url, events, description, created_at }: WebhookRecord): Webhook {
  return { id, url, events, description, created_at }
}

function presentDelivery(record: DeliveryRecord): WebhookDelivery {
  return {
    id: record.id,
    event: JSON.parse(record.body),
    status: record.status,
    attempts: record.attempts,
    next_attempt_at: record.next_attempt_at === null ? null : new Date(record.next_attempt_at).toISOString(),
    created_at: record.created_at,
  }
}

function encodePosition(position: number): string {
  return Buffer.from(`d${position}`).toString('base64url')
}

function decodePosition(cursor: string): number | null {
  const match = /^d(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  return match ? Number(match[1]) : null
}
