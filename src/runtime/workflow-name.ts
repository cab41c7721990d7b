/**
 * A workflow's name appears in URLs (`/v1/workflows/{name}/runs`), in operation ids
 * (`create{Type}Run`) and in component names (`Create{Type}RunRequest`) of the contract, where
 * `{Type}` is its type name: `simple_learning` → `SimpleLearning`.
 */

/** snake_case: lowercase letters and digits in words joined by single underscores, a letter first, 64 at most. */
export const WORKFLOW_NAME_PATTERN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/
export const MAX_WORKFLOW_NAME_LENGTH = 64

/** Throws a TypeError saying what is wrong when `name` cannot name a workflow. */
export function checkWorkflowName(name: string): void {
  if (name.length > MAX_WORKFLOW_NAME_LENGTH || !WORKFLOW_NAME_PATTERN.test(name)) {
    throw new TypeError(
      `workflow name "${name}" must be snake_case (${WORKFLOW_NAME_PATTERN.source}, at most ${MAX_WORKFLOW_NAME_LENGTH} characters): ` +
        'it appears in URLs, operation ids and type names',
    )
  }
}

/**
 * `simple_learning` → `SimpleLearning`, `v_1` → `V1`: each word capitalized, the underscores
 * dropped. Two names can meet only where a word starts with a digit (`v1`, `v_1`); the registry
 * refuses such a pair. No built-in operation or component has the shape `create{Type}Run` or
 * `Create{Type}RunRequest` with a non-empty `{Type}`, so none can be replaced by a workflow's.
 */
export function workflowTypeName(name: string): string {
  return name
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')
}

/** The operationId of `POST /v1/workflows/{name}/runs`. */
export function createRunOperationId(name: string): string {
  return `create${workflowTypeName(name)}Run`
}

/** The component name of that operation's request body. */
export function createRunRequestComponent(name: string): string {
  return `Create${workflowTypeName(name)}RunRequest`
}
