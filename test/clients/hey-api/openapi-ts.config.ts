import type { UserConfig } from '@hey-api/openapi-ts'

/**
 * How test/clients/hey-api-client.test.ts generates a client with @hey-api/openapi-ts from the
 * committed contract: the fetch client, the SDK (one function per operationId, every response it
 * returns checked with the generated zod schema), the types and the zod schemas. The test passes
 * `--output`, a temporary folder it removes: nothing generated is committed.
 */
const config: Omit<UserConfig, 'output'> = {
  // Relative to the working directory: the repository root, where the test runs the CLI.
  input: './openapi/v1.json',
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', { name: '@hey-api/sdk', validator: { response: 'zod' } }, 'zod'],
  logs: { file: false },
}

export default config
