import { hash } from 'node:crypto'

/**
 * A stable digest of a JSON value: object keys are sorted first, so the same arguments give the
 * same fingerprint whatever order a workflow built them in. 128 bits of SHA-256, hex.
 */
export function fingerprintOf(value: unknown): string {
  return sha256Hex(canonicalJson(value)).slice(0, 32)
}

/**
 * What an `Idempotency-Key` is checked against: the workflow and the params as the client sent
 * them, canonical (object keys sorted), so the same body with its keys in another order is the
 * same request. The full SHA-256 of that JSON. Callers bound the params' depth first.
 */
export function requestFingerprint(workflow: string, params: unknown): string {
  return sha256Hex(canonicalJson([workflow, params ?? {}]))
}

/**
 * Whether a stored request fingerprint is this request's: the canonical one, or the one releases
 * before it stored (the SHA-256 of the JSON as sent, keys in the client's order), so a retry that
 * spans the upgrade still matches its run.
 */
export function sameRequest(stored: string | null, workflow: string, params: unknown): boolean {
  if (stored === null) return false
  return stored === requestFingerprint(workflow, params) || stored === sha256Hex(JSON.stringify([workflow, params ?? {}]))
}

/** One-shot (Node 20.12+): no Hash object per digest, and one is taken for every effect a run journals. */
function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex')
}

/** JSON with object keys in sorted order; `undefined` fields are dropped, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key]
    return sorted
  })
}
