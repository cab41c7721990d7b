import { writeFile } from 'node:fs/promises'
import { createApp } from '../http/app.ts'
import { normalizeApiBaseUrl } from '../http/web-ui.ts'
import { parseCommandLine } from './arguments.ts'
import { CliError } from './cli-error.ts'
import { loadWorkflows } from './load-workflows.ts'

const SPEC_USAGE = `Usage: parley spec [workflows.ts] [options]
  --public-url URL  the server's address in the document's servers (PARLEY_PUBLIC_URL; default: relative)
  --output FILE     write the document to FILE instead of standard output
Prints the OpenAPI 3.1 document of a workflow module without starting a server: every operation,
with a typed create operation for each of its workflows. Without a module, the example workflows'.
Then: npx openapi-typescript openapi.json --default-non-nullable false -o api.d.ts, and createClient<paths>() from parley-server/client.`

/**
 * `parley spec [module]`: the contract a `parley serve` of that module would publish at
 * `/openapi.json`, written without opening a store or a port — for generating typed clients.
 */
export async function specCommand(args: string[]): Promise<void> {
  const parsed = parseCommandLine(args, SPEC_USAGE, {
    'public-url': { type: 'string' },
    output: { type: 'string', short: 'o' },
  })
  if (!parsed) return
  const { values, positionals } = parsed
  if (positionals.length > 1) throw new CliError(`one workflow module at most, not ${positionals.length}\n${SPEC_USAGE}`, 2)
  const publicUrl = publicUrlOption(values['public-url'] ?? process.env.PARLEY_PUBLIC_URL)
  const app = createApp({ workflows: await loadWorkflows(positionals[0]), ...(publicUrl === undefined ? {} : { publicUrl }) })
  try {
    const text = `${JSON.stringify(app.openapi(), null, 2)}\n`
    if (values.output === undefined) {
      // `parley spec | head` closes the pipe early: that is the reader's choice, not an error.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error
      })
      process.stdout.write(text)
    } else await writeFile(values.output, text)
  } finally {
    await app.close()
  }
}

function publicUrlOption(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined
  try {
    return normalizeApiBaseUrl(raw)
  } catch (error) {
    throw new CliError(`--public-url: ${(error as Error).message}`, 2)
  }
}
