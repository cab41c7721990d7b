import type { DeliveryRecord, WebhookRecord } from '../store.ts'
import type { DeliveryRow, SyncWebhookBackend } from '../sync-webhooks.ts'

/** Webhooks and their outbox in this process's memory, plus how the run store frees a run's deliveries. */
export function createMemoryWebhooks(): SyncWebhookBackend & { forgetRun(runId: string): void } {
  const webhooks = new Map<string, WebhookRecord>()
  // Positions ascending: a Map keeps insertion order, and positions are handed out in order.
  const deliveries = new Map<number, DeliveryRow>()
  let lastPosition = 0

  const record = ({ lease_until: _lease, token: _token, ...delivery }: DeliveryRow): DeliveryRecord => delivery

  return {
    insertWebhook(webhook) {
      webhooks.set(webhook.id, webhook)
    },
    countWebhooks: () => webhooks.size,
    webhooksOf(userId) {
      return [...webhooks.values()].filter((webhook) => webhook.user_id === userId)
    },
    deleteWebhook(webhookId, userId) {
      if (webhooks.get(webhookId)?.user_id !== userId) return false
      webhooks.delete(webhookId)
      for (const [position, delivery] of deliveries) if (delivery.webhook_id === webhookId) deliveries.delete(position)
      return true
    },
    subscribers(userIds, type) {
      return [...webhooks.values()].filter((webhook) => userIds.includes(webhook.user_id) && webhook.events.includes(type))
    },
    insertDelivery(row) {
      lastPosition += 1
      deliveries.set(lastPosition, { ...row, position: lastPosition })
    },
    deliveriesOf({ webhook_id, status, limit, before }) {
      const found: DeliveryRecord[] = []
      for (const delivery of [...deliveries.values()].reverse()) {
        if (found.length >= limit) break
        if (delivery.webhook_id !== webhook_id || (status !== undefined && delivery.status !== status)) continue
        if (before !== undefined && delivery.position >= before) continue
        found.push(record(delivery))
      }
      return found
    },
    dueDeliveries(nowMs, limit) {
      const due: Array<DeliveryRow & { url: string; secret: string }> = []
      // The first pending delivery of each run to each webhook is the only one that may go.
      const seen = new Set<string>()
      for (const delivery of deliveries.values()) {
        if (due.length >= limit) break
        if (delivery.status !== 'pending') continue
        const lane = `${delivery.webhook_id}\u0000${delivery.run_id}`
        if (seen.has(lane)) continue
        seen.add(lane)
        const webhook = webhooks.get(delivery.webhook_id)
        const leased = delivery.lease_until !== null && delivery.lease_until > nowMs
        if (!webhook || leased || (delivery.next_attempt_at ?? Number.POSITIVE_INFINITY) > nowMs) continue
        due.push({ ...delivery, url: webhook.url, secret: webhook.secret })
      }
      return due
    },
    loadDelivery: (position) => deliveries.get(position) ?? null,
    saveDelivery(row) {
      deliveries.set(row.position, row)
    },
    forgetRun(runId) {
      for (const [position, delivery] of deliveries) if (delivery.run_id === runId) deliveries.delete(position)
    },
  }
}
