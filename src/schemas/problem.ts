import { z } from '@hono/zod-openapi'

/** Stable, machine-readable error codes. Clients switch on these, never on `title`. */
export const PROBLEM_CODES = [
  'validation_failed',
  'bad_request',
  'malformed_json',
  'unsupported_media_type',
  'payload_too_large',
  'route_not_found',
  'method_not_allowed',
  'workflow_not_found',
  'run_not_found',
  'question_not_found',
  'webhook_not_found',
  'question_not_pending',
  'question_expired',
  'answer_invalid',
  'run_not_active',
  'idempotency_key_mismatch',
  'too_many_active_runs',
  'too_many_webhooks',
  'too_many_held_polls',
  'rate_limited',
  'unauthorized',
  'host_not_allowed',
  'headers_too_large',
  'request_timeout',
  'internal_error',
  'store_unavailable',
] as const
export type ProblemCode = (typeof PROBLEM_CODES)[number]

export const FieldErrorSchema = z
  .object({
    field: z.string().describe('Where the problem is, e.g. `body.params.max_turns` or `query.wait`'),
    message: z.string(),
  })
  .openapi('FieldError')

/** An RFC 9457 problem details object (https://www.rfc-editor.org/rfc/rfc9457), with our `code`. */
export const ProblemSchema = z
  .object({
    type: z.string().describe('A URI reference identifying the problem type'),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.enum(PROBLEM_CODES),
    instance: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional().describe('One entry per invalid field'),
  })
  .openapi('Problem')

export type Problem = z.infer<typeof ProblemSchema>
export type FieldError = z.infer<typeof FieldErrorSchema>

/**
 * Field-by-field errors of a zod validation of one part of the request (`body`, `query`, …):
 * each names its field by path, and an unknown key is named itself rather than its object.
 */
export function fieldErrors(at: string, error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const field = [at, ...issue.path.map(String)].join('.')
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: `${field}.${key}`, message: 'Unknown field: not in the schema' }))
    }
    return [{ field, message: issue.message }]
  })
}
