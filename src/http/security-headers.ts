/**
 * The headers of the pages this server renders (the web UI at `/`, Swagger UI at `/docs`): a
 * Content Security Policy that starts from "nothing" and allows what the page names, no MIME
 * sniffing, no referrer.
 */

/** CSP fetch directives a page allows on top of `default-src 'none'`, e.g. `{ 'script-src': "'self'" }`. */
export type CspDirectives = Record<string, string>

/** For a script or stylesheet: served with the type we say, never sniffed into another. */
export const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' } as const

/**
 * `default-src 'none'`, then `allow` in order, then no `<base>`, no form submissions and no
 * framing (clickjacking), as https://www.w3.org/TR/CSP3/ spells them.
 *
 * @example
 * contentSecurityPolicy({ 'script-src': "'self'" })
 * // "default-src 'none'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
 */
export function contentSecurityPolicy(allow: CspDirectives): string {
  return [
    "default-src 'none'",
    ...Object.entries(allow).map(([directive, sources]) => `${directive} ${sources}`),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** The headers of an HTML page: its CSP (see `contentSecurityPolicy`), nosniff, no referrer. */
export function pageSecurityHeaders(allow: CspDirectives): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(allow),
    ...NOSNIFF,
    'Referrer-Policy': 'no-referrer',
  }
}
