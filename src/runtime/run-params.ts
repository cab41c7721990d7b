import type { z } from 'zod'
import { fieldErrors } from '../schemas/problem.ts'
import type { Workflow } from './define-workflow.ts'
import { ParleyError } from './errors.ts'
import { tooDeepAt } from './json-depth.ts'
import { jsonBytes } from './run-limits.ts'

/** Params nested deeper than this are refused (422) before they are fingerprinted, validated or stored. */
export const DEFAULT_MAX_PARAMS_DEPTH = 64

/** How far a run's params may go: nesting, and bytes (they must fit its `workflow_started` message). */
export interface ParamsBounds {
  maxParamsDepth: number
  maxMessageBytes: number
}

/**
 * A run's params as its workflow takes them (defaults applied), or a 422 naming what is wrong:
 * nested past `maxParamsDepth` (checked first: anything recursive would overflow the stack on
 * them), not what the workflow's schema says, or larger than a message may be.
 */
export function checkedParams(workflow: Workflow, raw: unknown, bounds: ParamsBounds): Record<string, unknown> {
  checkParamsDepth(raw, bounds.maxParamsDepth)
  const params = parseParams(workflow, raw)
  const bytes = jsonBytes(params)
  if (bytes > bounds.maxMessageBytes) {
    const message = `${bytes} bytes of JSON; a run's params may have at most ${bounds.maxMessageBytes}`
    throw new ParleyError('validation_failed', 'The params are larger than a run accepts', [{ field: 'body.params', message }])
  }
  return params
}

function checkParamsDepth(params: unknown, maxDepth: number): void {
  const deep = tooDeepAt(params, maxDepth)
  if (deep !== null) {
    const field = deep === '' ? 'body.params' : `body.params.${deep}`
    const message = `nested deeper than ${maxDepth} levels of objects and arrays`
    throw new ParleyError('validation_failed', `Params may nest at most ${maxDepth} levels deep`, [{ field, message }])
  }
}

function parseParams(workflow: Workflow, raw: unknown): Record<string, unknown> {
  const parsed = (workflow.params as z.ZodType).safeParse(raw ?? {})
  if (!parsed.success) {
    const errors = fieldErrors('body.params', parsed.error)
    throw new ParleyError('validation_failed', `Invalid params for workflow "${workflow.name}"`, errors)
  }
  const value = parsed.data
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`workflow "${workflow.name}" params schema must produce an object`)
  }
  return value as Record<string, unknown>
}
