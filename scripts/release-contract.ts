/**
 * Records the contract as released: copies `openapi/v1.json` to `openapi/released/v1.json`, the
 * baseline `npm run check:breaking` compares the contract with. Run it when a version of the
 * contract is released (openapi/README.md says when), and commit the copy.
 */
import { copyFile, mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

await mkdir(`${root}openapi/released`, { recursive: true })
await copyFile(`${root}openapi/v1.json`, `${root}openapi/released/v1.json`)
console.log('copied openapi/v1.json to openapi/released/v1.json, the baseline of `npm run check:breaking`')
