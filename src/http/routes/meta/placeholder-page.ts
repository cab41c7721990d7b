import { createHash } from 'node:crypto'
import { pageSecurityHeaders } from '../../security-headers.ts'

/** The page's only style, in a `<style>` element its CSP allows by hash (no inline `style=`, no 'unsafe-inline'). */
const STYLE = 'body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5 }'

/** Served at `/` until a web UI is mounted there: tells a newcomer where to go. */
export const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Parley</title>
<style>${STYLE}</style></head>
<body>
<h1>Parley</h1>
<p>Multi-agent workflows behind a versioned REST API.</p>
<ul>
<li><a href="/docs">API documentation (Swagger UI)</a></li>
<li><a href="/openapi.json">OpenAPI document</a></li>
<li><a href="/v1/workflows">Workflows</a></li>
</ul>
</body>
</html>`

/**
 * The headers of every page this server renders (src/http/security-headers.ts), allowing exactly
 * the style above (https://www.w3.org/TR/CSP3/#grammardef-hash-source) and nothing else.
 */
export const PLACEHOLDER_HEADERS = pageSecurityHeaders({
  'style-src': `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
})
