import { StoreUnavailableError } from '../store.ts'

/** SQLSTATEs of a server that is going away or not taking connections (PostgreSQL appendix A, class 08 and 57P). */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300'])
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN'])
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /Client has encountered a connection error/i,
]

/**
 * The database could not be reached (down, restarting, unreachable, out of connections): a
 * StoreUnavailableError, which the HTTP layer answers with 503. Anything else is passed through.
 */
export function unavailable(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error
  const { code, message } = (error ?? {}) as { code?: string; message?: string }
  const down =
    (code !== undefined && (UNAVAILABLE_STATES.has(code) || UNAVAILABLE_CODES.has(code))) ||
    (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message)))
  if (!down) return error
  return new StoreUnavailableError(`the database cannot be reached (${message ?? code})`, { cause: error })
}
