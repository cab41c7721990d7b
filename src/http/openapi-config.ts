/** The document-level part of the OpenAPI contract; paths and schemas come from the routes. */
import type { OpenAPIHono } from '@hono/zod-openapi'

type DocumentConfig = Parameters<OpenAPIHono['getOpenAPI31Document']>[0]

export const OPENAPI_CONFIG: DocumentConfig = {
  openapi: '3.1.0',
  info: {
    title: 'Parley API',
    version: '1.0.0',
    description:
      'Multi-agent LLM workflows as a REST API: discover workflows, start a run, read its messages by ' +
      'long-polling, answer its questions, cancel it, list past runs. Errors are `application/problem+json` ' +
      '(RFC 9457) with a stable `code`.',
    license: { name: 'MIT' },
  },
  tags: [
    { name: 'workflows', description: 'What this server can run' },
    { name: 'runs', description: 'Executions of workflows' },
    { name: 'messages', description: 'A run’s message log and replies to its questions' },
    { name: 'meta', description: 'Health' },
  ],
  security: [{}, { bearerAuth: [] }],
}
