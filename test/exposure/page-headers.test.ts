import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { mountWebUI } from '../../src/http/web-ui.ts'
import { send } from '../support/app-requests.ts'

let app: ParleyApp
afterEach(async () => {
  await app?.close()
})

/** What every HTML page this server renders sends: src/http/security-headers.ts. */
function expectPageSecurityHeaders(path: string, headers: Headers): void {
  const csp = headers.get('content-security-policy') ?? ''
  expect(csp, path).toMatch(/^default-src 'none'; /)
  expect(csp, path).toContain("frame-ancestors 'none'")
  expect(csp, path).not.toContain('unsafe')
  expect(headers.get('x-content-type-options'), path).toBe('nosniff')
  expect(headers.get('referrer-policy'), path).toBe('no-referrer')
}

describe('the security headers of every HTML page', () => {
  it('sends them with the placeholder page at / (no web UI mounted), and with /docs', async () => {
    app = createApp({ workflows: [echo] })
    for (const path of ['/', '/docs']) {
      const page = await send(app, 'GET', path)
      expect(page.status, path).toBe(200)
      expect(page.headers.get('content-type'), path).toMatch(/^text\/html/)
      expectPageSecurityHeaders(path, page.headers)
    }
  })

  it('sends them with the web UI at /', async () => {
    app = createApp({ workflows: [echo], mountUI: mountWebUI })
    const page = await send(app, 'GET', '/')
    expect(page.status).toBe(200)
    expectPageSecurityHeaders('/', page.headers)
  })

  it('allows exactly the placeholder page’s own style: no style attribute, each <style> by its hash', async () => {
    app = createApp({ workflows: [echo] })
    const page = await send(app, 'GET', '/')
    const html = String(page.body)
    expect(html).not.toMatch(/\sstyle=/)
    const styles = [...html.matchAll(/<style>([^<]*)<\/style>/g)].map(([, css]) => css ?? '')
    expect(styles.length).toBeGreaterThan(0)
    const styleSrc = /style-src ([^;]*)/.exec(page.headers.get('content-security-policy') ?? '')?.[1]
    expect(styleSrc?.split(' ').sort()).toEqual(styles.map((css) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`).sort())
  })
})
