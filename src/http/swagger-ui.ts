import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Env, Hono } from 'hono'
import type { CspDirectives } from './security-headers.ts'
import { pageSecurityHeaders } from './security-headers.ts'

export interface SwaggerUIOptions {
  /** Where the page loads the OpenAPI document from, e.g. `/openapi.json`. */
  specUrl: string
  /** Where the page is served, e.g. `/docs`; its files are served under `<path>/`. */
  path: string
  /** The page's title (default `Parley API`). */
  title?: string
  /** Where "Try it out" sends requests when not this origin: the document's `servers` URL (`publicUrl`). */
  apiUrl?: string
}

interface Asset {
  text: string
  contentType: string
  /** Of the text: the page asks for `?v=<hash>`, and that exact content may be cached for good. */
  hash: string
}

type DistFile = 'swagger-ui.css' | 'swagger-ui-bundle.js'
type AssetName = DistFile | 'swagger-initializer.js'
const ASSET_NAMES: AssetName[] = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-initializer.js']

const IMMUTABLE = 'public, max-age=31536000, immutable'
const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'

/**
 * Serves Swagger UI from the pinned `swagger-ui-dist` package, with no CDN: the page at `path`, and
 * under `path/` the stylesheet, the bundle and the script that starts it over `specUrl` (a file, not
 * an inline script, so the page's CSP needs no 'unsafe-inline' for scripts). Files are read once and
 * kept in memory.
 *
 * @example
 * mountSwaggerUI(app, { specUrl: '/openapi.json', path: '/docs' })
 */
export function mountSwaggerUI<E extends Env>(app: Hono<E>, options: SwaggerUIOptions): void {
  const path = options.path.replace(/\/+$/, '')
  let files: Record<AssetName, Asset> | undefined
  const assets = () => {
    files ??= { ...distAssets(), 'swagger-initializer.js': initializer(options.specUrl) }
    return files
  }
  const headers = pageSecurityHeaders(allowedSources([options.specUrl, options.apiUrl]))
  const href = (name: AssetName) => `${path}/${name}?v=${assets()[name].hash}`

  app.get(path, (c) =>
    c.html(pageHtml({ title: options.title ?? 'Parley API', specUrl: options.specUrl, href }), 200, {
      'Cache-Control': 'no-cache',
      ...headers,
    }),
  )
  for (const name of ASSET_NAMES) {
    app.get(`${path}/${name}`, (c) => {
      const asset = assets()[name]
      return c.body(asset.text, 200, {
        'Content-Type': asset.contentType,
        'Cache-Control': c.req.query('v') === asset.hash ? IMMUTABLE : 'no-cache',
        ...headers,
      })
    })
  }
}

let dist: Record<DistFile, Asset> | undefined

/** swagger-ui-dist's stylesheet and bundle, read on first use, once per process. */
function distAssets(): Record<DistFile, Asset> {
  if (!dist) {
    const folder = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
    const read = (name: DistFile, contentType: string) => asset(readFileSync(join(folder, name), 'utf8'), contentType)
    dist = { 'swagger-ui.css': read('swagger-ui.css', CSS), 'swagger-ui-bundle.js': read('swagger-ui-bundle.js', JS) }
  }
  return dist
}

/**
 * Our replacement for swagger-ui-dist's `swagger-initializer.js` (which points at the petstore).
 * Options: https://swagger.io/docs/open-source-tools/swagger-ui/usage/configuration/
 */
function initializer(specUrl: string): Asset {
  const config = {
    url: specUrl,
    dom_id: '#swagger-ui',
    deepLinking: true,
    // An API key typed into "Authorize" stays in this tab's memory, never in localStorage.
    persistAuthorization: false,
    tryItOutEnabled: false,
    // No `?url=` or `?configUrl=` from the address bar: this page documents this server only.
    queryConfigEnabled: false,
    // No badge fetched from validator.swagger.io.
    validatorUrl: null,
  }
  return asset(`window.ui = SwaggerUIBundle(${JSON.stringify(config)})\n`, JS)
}

function asset(text: string, contentType: string): Asset {
  return { text, contentType, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) }
}

function pageHtml(page: { title: string; specUrl: string; href: (name: AssetName) => string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(page.href('swagger-ui.css'))}">
</head>
<body>
<noscript>Swagger UI needs JavaScript. The OpenAPI document is at <a href="${escapeHtml(page.specUrl)}">${escapeHtml(page.specUrl)}</a>.</noscript>
<div id="swagger-ui"></div>
<script src="${escapeHtml(page.href('swagger-ui-bundle.js'))}"></script>
<script src="${escapeHtml(page.href('swagger-initializer.js'))}"></script>
</body>
</html>
`
}

/**
 * Only this origin's script and stylesheet; the document (and "Try it out") from this origin, and
 * from the origins of `specUrl` and `apiUrl` when they name others. Images from `data:` because swagger-ui.css draws its
 * icons as `data:image/svg+xml` (and the page's empty icon is `data:,`). No 'unsafe-inline' for
 * styles: Swagger UI (React) sets inline styles through the CSSOM, which CSP does not govern.
 */
function allowedSources(urls: (string | undefined)[]): CspDirectives {
  const origins = new Set(urls.filter((url) => url !== undefined && /^https?:\/\//i.test(url)).map((url) => new URL(url as string).origin))
  const others = [...origins].map((origin) => ` ${origin}`).join('')
  return {
    'script-src': "'self'",
    'style-src': "'self'",
    'img-src': "'self' data:",
    'connect-src': `'self'${others}`,
  }
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
