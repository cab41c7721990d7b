/** The document-level part of the OpenAPI contract; paths and schemas come from the routes. */
import type { OpenAPIHono } from '@hono/zod-openapi'

type DocumentConfig = Parameters<OpenAPIHono['getOpenAPI31Document']>[0]

export function openapiDocumentConfig(options: { publicUrl?: string | undefined } = {}): DocumentConfig {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley API',
      version: '1.0.0',
      description:
        'Multi-agent LLM workflows as a REST API: discover workflows, start a run, read its messages by ' +
        'long-polling, answer its questions, cancel it, list past runs. Errors are `application/problem+json` ' +
        '(RFC 9457) with a stable `code`.\n\n' +
        'Compatibility: within `/v1`, changes are additive only (new operations, new optional request fields, ' +
        'new response fields, new message types and problem codes). Clients must ignore response fields they do ' +
        'not know. Anything else is a new major version under a new path prefix.',
      // `identifier` (an SPDX id) is OpenAPI 3.1's; the generator's types know only 3.0's `name` and `url`.
      license: Object.assign({ name: 'MIT' }, { identifier: 'MIT' }),
    },
    servers: [
      options.publicUrl === undefined
        ? { url: '/', description: 'The server this document was fetched from' }
        : { url: options.publicUrl, description: 'This server' },
    ],
    tags: [
      { name: 'workflows', description: 'What this server can run' },
      { name: 'runs', description: 'Executions of workflows' },
      { name: 'messages', description: 'A run’s message log and replies to its questions' },
      { name: 'questions', description: 'Your inbox: the questions you may answer, across runs' },
      { name: 'webhooks', description: 'Events POSTed to your URLs: questions asked of you, runs finished' },
      { name: 'meta', description: 'Health' },
    ],
    security: [{}, { bearerAuth: [] }],
  }
}
