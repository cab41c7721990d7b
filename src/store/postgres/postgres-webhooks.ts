import type pg from 'pg'
import type { StoreSignals } from '../run-events.ts'
import type { DeliveryJob, DeliveryRecord, WebhookRecord, WebhookStore } from '../store.ts'

type Query = <R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]) => Promise<pg.QueryResult<R>>

/** A delivery's row as pg reads it: bigint position as text, attempts as JSON text, a timestamptz as a Date. */
interface DeliveryRow extends Omit<DeliveryRecord, 'position' | 'attempts' | 'next_attempt_at'> {
  position: string
  attempts: string
  next_attempt_at: Date | null
}

const WEBHOOK_COLUMNS = 'id, user_id, url, events, secret, description, created_at'
const DELIVERY_COLUMNS = 'position, id, webhook_id, event_id, type, run_id, body, status, attempts, next_attempt_at, created_at'

const toRecord = (row: DeliveryRow): DeliveryRecord => ({
  ...row,
  position: Number(row.position),
  attempts: JSON.parse(row.attempts),
  next_attempt_at: row.next_attempt_at === null ? null : row.next_attempt_at.getTime(),
})

/**
 * Claims due deliveries (a lease of $1 ms, at most $2): pending, due, unclaimed, and the
 * first pending one of their run to their webhook. A delivery another dispatcher is claiming right
 * now is skipped, not waited for; the one after it in its lane stays behind it (NOT EXISTS sees it pending).
 */
const CLAIM = `
UPDATE webhook_deliveries d SET lease_until = now() + $1 * interval '1 millisecond', token = d.token + 1
FROM webhooks w
WHERE w.id = d.webhook_id AND d.position IN (
  SELECT position FROM webhook_deliveries c
  WHERE c.status = 'pending' AND c.next_attempt_at <= now() AND (c.lease_until IS NULL OR c.lease_until <= now())
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
      WHERE e.status = 'pending' AND e.webhook_id = c.webhook_id AND e.run_id = c.run_id AND e.position < c.position)
  ORDER BY c.position LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING ${DELIVERY_COLUMNS.split(', ')
  .map((column) => `d.${column}`)
  .join(', ')}, d.token, w.url, w.secret`

/** Records an attempt ($3) and what follows ($4 status, $5 next attempt epoch ms), if the claim ($2 token) still holds. */
const SETTLE = `
UPDATE webhook_deliveries SET status = $4, attempts = (attempts::jsonb || $3::jsonb)::text,
  next_attempt_at = CASE WHEN $5::float8 IS NULL THEN NULL ELSE to_timestamp($5::float8 / 1000) END, lease_until = NULL
WHERE position = $1 AND token = $2 AND status = 'pending'
RETURNING position`

/** Webhooks and their outbox in PostgreSQL; the deliveries are queued by the triggers of migration 3. */
export function createPostgresWebhooks(query: Query, signals: StoreSignals, listen: () => void): WebhookStore {
  return {
    async create(webhook, max) {
      const { rows } = await query<{ created: boolean }>(
        'create-webhook',
        'SELECT parley_create_webhook($1, $2, $3, $4, $5, $6, $7, $8) AS created',
        [webhook.id, webhook.user_id, webhook.url, webhook.events, webhook.secret, webhook.description, webhook.created_at, max],
      )
      return rows[0]?.created === true
    },

    async list(userId) {
      const { rows } = await query<WebhookRecord>(
        'list-webhooks',
        `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE user_id = $1 ORDER BY created_at, id`,
        [userId],
      )
      return rows
    },

    async get(webhookId, userId) {
      const { rows } = await query<WebhookRecord>('get-webhook', `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND user_id = $2`, [
        webhookId,
        userId,
      ])
      return rows[0] ?? null
    },

    async delete(webhookId, userId) {
      const { rowCount } = await query('delete-webhook', 'DELETE FROM webhooks WHERE id = $1 AND user_id = $2', [webhookId, userId])
      return rowCount === 1
    },

    async deliveries({ webhook_id, status, limit, before }) {
      const { rows } = await query<DeliveryRow>(
        'list-deliveries',
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
         WHERE webhook_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR position < $3)
         ORDER BY position DESC LIMIT $4`,
        [webhook_id, status ?? null, before ?? null, limit],
      )
      return rows.map(toRecord)
    },

    async claim(_owner, { limit, leaseMs }) {
      const { rows } = await query<DeliveryRow & { token: string; url: string; secret: string }>('claim-deliveries', CLAIM, [
        leaseMs,
        limit,
      ])
      return rows
        .map(({ token, url, secret, ...row }): DeliveryJob => ({ ...toRecord(row), token: Number(token), url, secret }))
        .sort((a, b) => a.position - b.position)
    },

    async settle(job, attempt, next) {
      const { rows } = await query('settle-delivery', SETTLE, [
        job.position,
        job.token,
        JSON.stringify([attempt]),
        next.status,
        next.status === 'pending' ? next.at : null,
      ])
      // The next delivery of its lane may go now, here or in another process (they poll too).
      if (rows.length === 1 && next.status !== 'pending') signals.webhooksQueued()
      return rows.length === 1
    },

    onQueued(listener) {
      listen()
      return signals.onWebhooksQueued(listener)
    },
  }
}
