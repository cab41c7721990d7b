import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** The web UI, built: one ES module and one stylesheet, each with a content hash for its URL. */
export interface WebUIBundle {
  js: { text: string; hash: string }
  css: { text: string; hash: string }
}

/**
 * Where `npm run build` puts the bundled web UI: `dist/clients/web/assets/` beside `dist/src/`
 * in the package, `clients/web/assets/` in a clone (built before the tests and by `npm ci`).
 */
const ASSETS_DIR = fileURLToPath(new URL('../../clients/web/assets/', import.meta.url))

async function readBundle(): Promise<WebUIBundle> {
  const file = async (name: string) => {
    let contents: Buffer
    try {
      contents = await readFile(ASSETS_DIR + name)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      throw new Error(`the web UI is not built (no ${ASSETS_DIR}${name}): run \`npm run build\``)
    }
    return { text: contents.toString('utf8'), hash: createHash('sha256').update(contents).digest('hex').slice(0, 12) }
  }
  return { js: await file('app.js'), css: await file('app.css') }
}

let cached: Promise<WebUIBundle> | undefined

/** The bundle, read from disk on first use and kept for the life of the process (a failure is retried). */
export function webUIBundle(): Promise<WebUIBundle> {
  cached ??= readBundle().catch((error: unknown) => {
    cached = undefined
    throw error
  })
  return cached
}
