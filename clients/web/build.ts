import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const SOURCE = fileURLToPath(new URL('./src/', import.meta.url))

/**
 * The web UI's files as the server serves them (src/http/web-ui-assets.ts): one ES module
 * (`app.js`) and one stylesheet (`app.css`) bundled from `clients/web/src` by esbuild.
 */
export const WEB_UI_FILES = ['app.js', 'app.css'] as const

/**
 * Bundles `clients/web/src` into `outDir`: run by `npm run build` (for dist/) and before the tests
 * (for the source tree), so the server never bundles at start and esbuild is a build tool only.
 */
export async function buildWebUI(outDir: string): Promise<void> {
  const result = await build({
    entryPoints: { app: `${SOURCE}main.ts`, styles: `${SOURCE}styles.css` },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    write: false,
    // Only names the outputs; they are written below under their served names.
    outdir: 'out',
    logLevel: 'silent',
  })
  const output = (extension: string) => {
    const file = result.outputFiles.find((candidate) => candidate.path.endsWith(extension))
    if (!file) throw new Error(`the web UI bundle has no ${extension} output`)
    return file.contents
  }
  await mkdir(outDir, { recursive: true })
  await writeFile(`${outDir}/app.js`, output('.js'))
  await writeFile(`${outDir}/app.css`, output('.css'))
}
