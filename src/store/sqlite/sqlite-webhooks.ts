import type { DeliveryRecord, WebhookRecord } from '../store.ts'
import type { DeliveryRow, SyncWebhookBackend } from '../sync-webhooks.ts'
import type { Database } from './driver.ts'

interface WebhookRow {
  id: string
  user_id: string
  url: string
  events: string
  secret: string
  description: string | null
  created_at: string
}

/** A delivery's row: the record with its attempts as JSON text, and the claim on it. */
interface DeliveryTableRow extends Omit<DeliveryRecord, 'attempts'> {
  attempts: string
  lease_until: number | null
  token: number
}

const WEBHOOK_COLUMNS = 'id, user_id, url, events, secret, description, created_at'
const DELIVERY_COLUMNS =
  'position, id, webhook_id, event_id, type, run_id, body, status, attempts, next_attempt_at, created_at, lease_until, token'

const toWebhook = (row: WebhookRow): WebhookRecord => ({ ...row, events: JSON.parse(row.events) })
const toDelivery = (row: DeliveryTableRow): DeliveryRow => ({ ...row, attempts: JSON.parse(row.attempts) })
const toRecord = (row: DeliveryTableRow): DeliveryRecord => {
  const { lease_until: _lease, token: _token, ...delivery } = toDelivery(row)
  return delivery
}

/** Webhooks and their outbox in the SQLite file (migration 6). */
export function createSqliteWebhooks(db: Database): SyncWebhookBackend {
  // Holding the file, this process is the only server on it: a claim another process holds is a dead process's.
  db.prepare('UPDATE webhook_deliveries SET lease_until = NULL WHERE lease_until IS NOT NULL').run()
  const statements = {
    insertWebhook: db.prepare<WebhookRow>(
      `INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES (@id, @user_id, @url, @events, @secret, @description, @created_at)`,
    ),
    countWebhooks: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM webhooks'),
    webhooksOf: db.prepare<[string], WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE user_id = ? ORDER BY created_at, id`),
    deleteDeliveriesOf: db.prepare<[string]>('DELETE FROM webhook_deliveries WHERE webhook_id = ?'),
    deleteWebhook: db.prepare<[string, string]>('DELETE FROM webhooks WHERE id = ? AND user_id = ?'),
    ownsWebhook: db.prepare<[string, string], { id: string }>('SELECT id FROM webhooks WHERE id = ? AND user_id = ?'),
    subscribers: db.prepare<[string, string], WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks
       WHERE user_id IN (SELECT value FROM json_each(?)) AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?)
       ORDER BY created_at, id`,
    ),
    insertDelivery: db.prepare<Omit<DeliveryTableRow, 'position'>>(
      `INSERT INTO webhook_deliveries (id, webhook_id, event_id, type, run_id, body, status, attempts, next_attempt_at, created_at, lease_until, token)
       VALUES (@id, @webhook_id, @event_id, @type, @run_id, @body, @status, @attempts, @next_attempt_at, @created_at, @lease_until, @token)`,
    ),
    due: db.prepare<[number, number, number], DeliveryTableRow & { url: string; secret: string }>(
      `SELECT ${DELIVERY_COLUMNS.split(', ')
        .map((column) => `d.${column}`)
        .join(', ')}, w.url, w.secret
       FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
           WHERE e.status = 'pending' AND e.webhook_id = d.webhook_id AND e.run_id = d.run_id AND e.position < d.position)
       ORDER BY d.position LIMIT ?`,
    ),
    loadDelivery: db.prepare<[number], DeliveryTableRow>(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE position = ?`),
    saveDelivery: db.prepare<Pick<DeliveryTableRow, 'position' | 'status' | 'attempts' | 'next_attempt_at' | 'lease_until' | 'token'>>(
      `UPDATE webhook_deliveries SET status = @status, attempts = @attempts, next_attempt_at = @next_attempt_at,
       lease_until = @lease_until, token = @token WHERE position = @position`,
    ),
  }

  return {
    insertWebhook: (webhook) => void statements.insertWebhook.run({ ...webhook, events: JSON.stringify(webhook.events) }),
    countWebhooks: () => statements.countWebhooks.get()?.n ?? 0,
    webhooksOf: (userId) => statements.webhooksOf.all(userId).map(toWebhook),
    deleteWebhook(webhookId, userId) {
      if (!statements.ownsWebhook.get(webhookId, userId)) return false
      statements.deleteDeliveriesOf.run(webhookId)
      return statements.deleteWebhook.run(webhookId, userId).changes === 1
    },
    subscribers: (userIds, type) => statements.subscribers.all(JSON.stringify(userIds), type).map(toWebhook),
    insertDelivery: (row) => void statements.insertDelivery.run({ ...row, attempts: JSON.stringify(row.attempts) }),
    deliveriesOf({ webhook_id, status, limit, before }) {
      const where = ['webhook_id = @webhook_id']
      if (status !== undefined) where.push('status = @status')
      if (before !== undefined) where.push('position < @before')
      const sql = `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY position DESC LIMIT @limit`
      return db.prepare<Record<string, unknown>, DeliveryTableRow>(sql).all({ webhook_id, status, before, limit }).map(toRecord)
    },
    dueDeliveries: (nowMs, limit) =>
      statements.due.all(nowMs, nowMs, limit).map(({ url, secret, ...row }) => ({ ...toDelivery(row), url, secret })),
    loadDelivery(position) {
      const row = statements.loadDelivery.get(position)
      return row ? toDelivery(row) : null
    },
    saveDelivery: (row) =>
      void statements.saveDelivery.run({
        position: row.position,
        status: row.status,
        attempts: JSON.stringify(row.attempts),
        next_attempt_at: row.next_attempt_at,
        lease_until: row.lease_until,
        token: row.token,
      }),
  }
}
