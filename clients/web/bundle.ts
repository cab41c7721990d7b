import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/** The web UI, built: one ES module and one stylesheet, each with a content hash for its URL. */
export interface WebUIBundle {
  js: { text: string; hash: string }
  css: { text: string; hash: string }
}

const SOURCE = fileURLToPath(new URL('./src/', import.meta.url))

/**
 * Bundles `clients/web/src` in memory with esbuild (no files written, no build step for users).
 * Takes a few tens of milliseconds; `webUIBundle()` does it once per process.
 */
export async function bundleWebUI(): Promise<WebUIBundle> {
  const result = await build({
    entryPoints: { app: `${SOURCE}main.ts`, styles: `${SOURCE}styles.css` },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    write: false,
    // Only names the outputs; nothing is written.
    outdir: 'out',
    logLevel: 'silent',
  })
  const output = (extension: string) => {
    const file = result.outputFiles.find((candidate) => candidate.path.endsWith(extension))
    if (!file) throw new Error(`the web UI bundle has no ${extension} output`)
    return { text: file.text, hash: createHash('sha256').update(file.contents).digest('hex').slice(0, 12) }
  }
  return { js: output('.js'), css: output('.css') }
}

let cached: Promise<WebUIBundle> | undefined

/** The bundle, built on first use and kept for the life of the process (a failure is retried). */
export function webUIBundle(): Promise<WebUIBundle> {
  cached ??= bundleWebUI().catch((error: unknown) => {
    cached = undefined
    throw error
  })
  return cached
}
