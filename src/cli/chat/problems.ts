import type { Problem } from '../../../clients/typescript/index.ts'
import { ParleyApiError } from '../../../clients/typescript/index.ts'

/**
 * A problem the server answered, as one line: its detail, then each field it names
 * (`body.params.max_rounds: Too big`), then its code in brackets.
 *
 * @example
 * problemLine(problem) // 'No workflow named "nope" [workflow_not_found]'
 */
export function problemLine(problem: Problem): string {
  const fields = (problem.errors ?? []).map((error) => `${error.field}: ${error.message}`)
  return `${problem.detail}${fields.length > 0 ? ` (${fields.join('; ')})` : ''} [${problem.code}]`
}

/** What went wrong talking to the server, as one line: its problem when it answered one, else the network's error. */
export function failureLine(error: unknown, url: string): string {
  if (error instanceof ParleyApiError) return error.problem ? problemLine(error.problem) : error.message
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error)
  return `cannot reach the Parley server at ${url} (${cause})`
}
