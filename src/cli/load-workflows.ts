import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The module a command serves (every workflow it exports), or the example workflows without one. */
export async function loadWorkflows(modulePath: string | undefined): Promise<Record<string, unknown>> {
  if (!modulePath) return import('../examples/index.ts')
  return (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>
}
