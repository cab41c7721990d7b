import { randomUUID } from 'node:crypto'
import type { WebhookEventType } from '../schemas/webhooks.ts'
import type { StoreSignals } from './run-events.ts'
import type { DeliveryJob, DeliveryQuery, DeliveryRecord, WebhookRecord, WebhookStore } from './store.ts'
import type { OutboxEvent } from './webhook-events.ts'
import { eventBody } from './webhook-events.ts'

/** A delivery as a backend keeps it: the record, plus the claim on it. */
export interface DeliveryRow extends DeliveryRecord {
  /** Epoch ms until which a dispatcher holds it; null: nobody. */
  lease_until: number | null
  /** Goes up by one on every claim: a dispatcher whose claim lapsed and was taken cannot settle it. */
  token: number
}

/** The webhook primitives of a backend with synchronous transactions (memory, SQLite): it stores and loads; the rules are here. */
export interface SyncWebhookBackend {
  insertWebhook(webhook: WebhookRecord): void
  /** How many webhooks there are, every user's. */
  countWebhooks(): number
  /** The user's webhooks, oldest first. */
  webhooksOf(userId: string): WebhookRecord[]
  /** Deletes the user's webhook with its deliveries; false when there was none. */
  deleteWebhook(webhookId: string, userId: string): boolean
  /** The webhooks of these users that subscribe to `type`, oldest first. */
  subscribers(userIds: string[], type: WebhookEventType): WebhookRecord[]
  /** Stores a new delivery at the next position of the outbox. */
  insertDelivery(row: Omit<DeliveryRow, 'position'>): void
  /** Newest first (DeliveryQuery). */
  deliveriesOf(query: DeliveryQuery): DeliveryRecord[]
  /**
   * Due deliveries by position, each with its webhook's url and secret: pending, `next_attempt_at`
   * come, no live lease, and no earlier delivery of the same run to the same webhook pending.
   */
  dueDeliveries(nowMs: number, limit: number): Array<DeliveryRow & { url: string; secret: string }>
  loadDelivery(position: number): DeliveryRow | null
  saveDelivery(row: DeliveryRow): void
}

export type SyncWebhooks = WebhookStore & {
  /** Queues the event for its users' webhooks; call inside the transaction of the change it reports. */
  queue(event: OutboxEvent): void
}

export function createSyncWebhooks(backend: SyncWebhookBackend, transaction: <T>(work: () => T) => T, signals: StoreSignals): SyncWebhooks {
  // This process is the only one writing the store (memory; SQLite holds its file), and webhooks
  // are made and deleted here: while there are none, a change queues nothing and asks nothing.
  let registered = backend.countWebhooks()
  return {
    queue(event) {
      if (registered === 0) return
      const webhooks = backend.subscribers([...new Set(event.users)], event.type)
      if (webhooks.length === 0) return
      // One id for the event, whoever receives it: the receivers' deduplication key.
      const eventId = randomUUID()
      for (const webhook of webhooks) {
        backend.insertDelivery({
          id: randomUUID(),
          webhook_id: webhook.id,
          event_id: eventId,
          type: event.type,
          run_id: event.run_id,
          body: eventBody(event, eventId, webhook.user_id),
          status: 'pending',
          attempts: [],
          next_attempt_at: Date.now(),
          created_at: event.timestamp,
          lease_until: null,
          token: 0,
        })
      }
      // Listeners only schedule a look: the claim that follows runs after this transaction.
      signals.webhooksQueued()
    },

    async create(webhook, max) {
      return transaction(() => {
        if (backend.webhooksOf(webhook.user_id).length >= max) return false
        backend.insertWebhook(webhook)
        // Counted before the commit: a count too high costs a query, never a delivery.
        registered += 1
        return true
      })
    },

    async list(userId) {
      return backend.webhooksOf(userId)
    },

    async get(webhookId, userId) {
      return backend.webhooksOf(userId).find((webhook) => webhook.id === webhookId) ?? null
    },

    async delete(webhookId, userId) {
      const deleted = transaction(() => backend.deleteWebhook(webhookId, userId))
      // Counted once committed: a count too low would skip a webhook that is still there.
      if (deleted) registered -= 1
      return deleted
    },

    async deliveries(query) {
      return backend.deliveriesOf(query)
    },

    async claim(_owner, { limit, leaseMs }) {
      return transaction(() => {
        const nowMs = Date.now()
        return backend.dueDeliveries(nowMs, limit).map(({ url, secret, ...row }): DeliveryJob => {
          const claimed = { ...row, lease_until: nowMs + leaseMs, token: row.token + 1 }
          backend.saveDelivery(claimed)
          const { lease_until: _, ...record } = claimed
          return { ...record, url, secret }
        })
      })
    },

    async settle(job, attempt, next) {
      return transaction(() => {
        const row = backend.loadDelivery(job.position)
        if (!row || row.token !== job.token || row.status !== 'pending') return false
        backend.saveDelivery({
          ...row,
          status: next.status,
          attempts: [...row.attempts, attempt],
          next_attempt_at: next.status === 'pending' ? next.at : null,
          lease_until: null,
        })
        if (next.status !== 'pending') signals.webhooksQueued()
        return true
      })
    },

    onQueued: (listener) => signals.onWebhooksQueued(listener),
  }
}
