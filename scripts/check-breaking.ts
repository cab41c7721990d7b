/**
 * Fails when the contract breaks its last released version: Optic's standard `breaking-changes`
 * ruleset compares the released document (base) with the current one (head) and prints each break
 * under the operation it breaks. CI runs it as `npm run check:breaking`.
 *
 * @example
 * tsx scripts/check-breaking.ts                      # openapi/released/v1.json → openapi/v1.json
 * tsx scripts/check-breaking.ts base.json head.json  # any two documents (the tests do this)
 *
 * Exit 0: nothing breaks (additive changes are listed). 1: something breaks. 2: no comparison ran.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const inRepo = (path: string) => relative(process.cwd(), join(root, path))
const [base = inRepo('openapi/released/v1.json'), head = inRepo('openapi/v1.json')] = process.argv.slice(2)

for (const file of [base, head]) {
  if (!existsSync(file)) {
    console.error(`check:breaking: no file ${file}`)
    process.exit(2)
  }
}

/**
 * The contract promises (its `info.description`, "Compatibility") that new problem codes are
 * additive: clients switch on the codes they know and treat others by status. Optic's ruleset
 * counts any new value of a response enum as a break, so codes added to `Problem.code` are set
 * aside before it compares (in a copy of the head document), when the head keeps every released code.
 */
function withoutNewProblemCodes(baseFile: string, headFile: string): { file: string; added: string[]; cleanup: () => void } {
  type Document = { components?: { schemas?: { Problem?: { properties?: { code?: { enum?: string[] } } } } } }
  const codesOf = (document: Document) => document.components?.schemas?.Problem?.properties?.code
  const baseCodes = codesOf(JSON.parse(readFileSync(baseFile, 'utf8')) as Document)?.enum ?? []
  const headDocument = JSON.parse(readFileSync(headFile, 'utf8')) as Document
  const headCode = codesOf(headDocument)
  const added = (headCode?.enum ?? []).filter((code) => !baseCodes.includes(code))
  const none = { file: headFile, added: [], cleanup: () => undefined }
  if (!headCode?.enum || added.length === 0 || !baseCodes.every((code) => headCode.enum?.includes(code))) return none
  headCode.enum = headCode.enum.filter((code) => baseCodes.includes(code))
  const dir = mkdtempSync(join(tmpdir(), 'parley-check-breaking-'))
  const file = join(dir, 'head.json')
  writeFileSync(file, JSON.stringify(headDocument))
  return { file, added, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

const compared = withoutNewProblemCodes(base, head)
if (compared.added.length > 0) {
  console.log(`check:breaking: new problem codes ${compared.added.join(', ')}: additive (the contract's compatibility rules)\n`)
}

const optic = join(dirname(createRequire(import.meta.url).resolve('@useoptic/optic/package.json')), 'build/index.js')
const diff = spawnSync(process.execPath, [optic, 'diff', base, compared.file, '--check'], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
  // Offline and silent: no usage reports (Optic's documented switch), no npm "new version" check,
  // and not Optic's CI mode (CI unset), which writes ci-run-details.json into the working directory
  // and links its cloud, for the same report.
  env: { ...process.env, OPTIC_TELEMETRY_LEVEL: 'off', NO_UPDATE_NOTIFIER: '1', CI: undefined },
})
compared.cleanup()
// Optic ends by suggesting its --web flag, which this script does not take.
const report = `${diff.stdout ?? ''}${diff.stderr ?? ''}`.replace(/^.*--web flag.*\n?/m, '').trimEnd()
console.log(report)

if (diff.status === 0) {
  console.log(`\ncheck:breaking: no breaking change from ${base} to ${head}`)
} else if (/Checks: \d+\/\d+ passed/.test(report)) {
  console.error(
    `\ncheck:breaking: ${head} breaks the released contract ${base} (each "x" above).` +
      '\nClients written against the released contract would fail: keep the old shape, or see openapi/README.md.',
  )
  process.exit(1)
} else {
  console.error(`\ncheck:breaking: optic did not compare ${base} with ${head} (${diff.error?.message ?? `exit ${diff.status}`})`)
  process.exit(2)
}
