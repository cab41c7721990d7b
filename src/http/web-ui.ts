import type { Context, Env, Hono } from 'hono'
import type { CspDirectives } from './security-headers.ts'
import { NOSNIFF, pageSecurityHeaders } from './security-headers.ts'
import type { WebUIBundle } from './web-ui-assets.ts'
import { webUIBundle } from './web-ui-assets.ts'
import { indexHtml } from './web-ui-page.ts'

export interface WebUIOptions {
  /**
   * The API the page talks to, e.g. `http://localhost:8008` (chained mode: that server must list
   * this page's origin in its CORS origins). The page's own origin when omitted.
   */
  apiBaseUrl?: string
}

const ASSETS_PATH = '/ui/'
const IMMUTABLE = 'public, max-age=31536000, immutable'

/**
 * Serves the web UI (clients/web): the page at `/`, its script and stylesheet under `/ui/`, as
 * bundled by `npm run build` (read once per process, then served from memory).
 *
 * @example
 * createApp({ workflows, mountUI: mountWebUI })                                // same origin
 * mountWebUI(new Hono(), { apiBaseUrl: 'http://localhost:8008' })              // chained
 */
export function mountWebUI<E extends Env>(app: Hono<E>, options: WebUIOptions = {}): void {
  const apiBaseUrl = options.apiBaseUrl === undefined ? '' : normalizeApiBaseUrl(options.apiBaseUrl)
  const apiOrigin = apiBaseUrl === '' ? '' : new URL(apiBaseUrl).origin
  // Read the files now, so the first visitor does not wait; a failure surfaces on that request.
  webUIBundle().catch(() => undefined)

  app.get('/', async (c) => {
    const bundle = await webUIBundle()
    return c.html(indexHtml(bundle, { apiBaseUrl, assetsPath: ASSETS_PATH }), 200, {
      'Cache-Control': 'no-cache',
      ...pageSecurityHeaders(allowedSources(apiOrigin)),
    })
  })
  app.get(`${ASSETS_PATH}app.js`, async (c) => asset(c, await webUIBundle(), 'js'))
  app.get(`${ASSETS_PATH}app.css`, async (c) => asset(c, await webUIBundle(), 'css'))
}

/** Checks an API address given on the command line or in code: http(s), no path beyond `/`. */
export function normalizeApiBaseUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new Error(`the API address must be a URL like http://localhost:8008, not "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the API address must be http or https, not ${url.protocol}`)
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

function asset(c: Context, bundle: WebUIBundle, kind: 'js' | 'css'): Response {
  const file = bundle[kind]
  // The page asks for `?v=<hash>`; that exact content may be cached for good.
  const current = c.req.query('v') === file.hash
  return c.body(file.text, 200, {
    'Content-Type': kind === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
    'Cache-Control': current ? IMMUTABLE : 'no-cache',
    ...NOSNIFF,
  })
}

/** Only this origin's script and styles; requests to the API (and this origin). */
function allowedSources(apiOrigin: string): CspDirectives {
  return {
    'script-src': "'self'",
    'style-src': "'self'",
    'img-src': "'self' data:",
    'connect-src': `'self'${apiOrigin ? ` ${apiOrigin}` : ''}`,
  }
}
