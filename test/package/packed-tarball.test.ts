import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, REPO } from '../support/cli-process.ts'
import { cleanEnv } from '../support/parley-process.ts'
import { runCommand } from '../support/run-command.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * Parley as a user gets it: `npm pack`, then the tarball installed into an empty project (its
 * dependencies from the npm registry, better-sqlite3 built for this Node), and used there the
 * documented way — plain `.mjs` imports, `npx parley serve ./workflows.ts`, `npx parley spec`,
 * openapi-typescript and `createClient<paths>` under `tsc --strict`, and a run with a question
 * driven through `parley-server/client`.
 */

const INSTALL_TIMEOUT_MS = 8 * 60_000
const npm = (args: string[], cwd: string, timeoutMs = INSTALL_TIMEOUT_MS) =>
  runCommand('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: cleanEnv(), timeoutMs })

let project = ''
let packed: { filename: string; files: { path: string }[] }

const WORKFLOWS = `import { z } from 'zod'
import { defineWorkflow } from 'parley-server'

export const approveExpense = defineWorkflow({
  name: 'approve_expense',
  description: 'Asks whether to approve an expense',
  params: z.object({ amount: z.number().positive(), note: z.string().default('') }),
  async run(ui, params) {
    const verdict: string = await ui.multipleChoice({ prompt: \`Approve \${params.amount}?\`, choices: ['yes', 'no'] })
    await ui.textMessage({ body: \`expense of \${params.amount}: \${verdict}\`, sender: 'Approver', recipient: 'User' })
    return verdict
  },
})
`

const PLAIN_IMPORTS = `import * as server from 'parley-server'
import * as client from 'parley-server/client'
import * as webUI from 'parley-server/web-ui'
import { createRequire } from 'node:module'
const contract = createRequire(import.meta.url)('parley-server/openapi.json')
console.log(JSON.stringify({
  server: ['defineWorkflow', 'Agent', 'defineTool', 'createApp', 'serve', 'mountWebUI', 'createSqliteStore'].filter((name) => typeof server[name] !== 'function'),
  client: ['createClient', 'followMessages', 'isFinished'].filter((name) => typeof client[name] !== 'function'),
  webUI: typeof webUI.mountWebUI,
  openapi: contract.openapi,
}))
`

const TYPED_CLIENT = `import { createClient } from 'parley-server/client'
import type { paths } from './api.d.ts'

const client = createClient<paths>({ baseUrl: 'http://localhost:8008' })
export async function start() {
  const { data } = await client.startRun('approve_expense', { amount: 12, note: 'taxi' })
  const id: string | undefined = data?.id
  // @ts-expect-error amount is a number in this module's own workflow
  await client.startRun('approve_expense', { amount: 'twelve' })
  // @ts-expect-error amount is required
  await client.startRun('approve_expense', {})
  await client.POST('/v1/workflows/approve_expense/runs', { body: { params: { amount: 3 } } })
  return id
}
`

const DRIVE = `import { createClient, isFinished } from 'parley-server/client'
const client = createClient({ baseUrl: process.argv[2] })
const { data: run, error } = await client.startRun('approve_expense', { amount: 12 })
if (error) throw new Error(JSON.stringify(error))
const seen = []
for await (const message of client.messages(run.id)) {
  seen.push(message.type)
  if (message.type === 'multiple_choice') await client.reply(run.id, message.id, 'yes')
}
const { data: done } = await client.GET('/v1/runs/{run_id}', { params: { path: { run_id: run.id } } })
console.log(JSON.stringify({ seen, status: done.status, result: done.result, finished: isFinished(done.status) }))
`

describe('the packed package, installed into an empty project', () => {
  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'parley-package-'))
    const pack = await npm(['pack', '--json', '--pack-destination', project], REPO)
    expect(pack.code, pack.output).toBe(0)
    packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as (typeof packed)[])[0] as typeof packed
    for (const [file, text] of Object.entries({
      'package.json': JSON.stringify({ name: 'my-agents', private: true, type: 'module' }),
      'workflows.ts': WORKFLOWS,
      'imports.mjs': PLAIN_IMPORTS,
      'typed-client.ts': TYPED_CLIENT,
      'drive.mjs': DRIVE,
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        include: ['typed-client.ts', 'workflows.ts'],
      }),
    }))
      await writeFile(join(project, file), text)
    const install = await npm(
      ['install', '--prefer-offline', join(project, packed.filename), 'zod', 'typescript@5', 'openapi-typescript@7'],
      project,
    )
    expect(install.code, install.output).toBe(0)
  }, INSTALL_TIMEOUT_MS + 120_000)

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true })
  })

  it('ships the compiled package, the contract, its types and the clients, and not the sources, tests or bench', () => {
    const paths = packed.files.map((file) => file.path)
    for (const shipped of [
      'bin/parley.mjs',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/clients/typescript/index.js',
      'dist/clients/web/assets/app.js',
      'dist/clients/web/assets/app.css',
      'dist/generated/v1.d.ts',
      'openapi/v1.json',
      'generated/v1.d.ts',
      'clients/python/parley_client.py',
    ])
      expect(paths).toContain(shipped)
    expect(paths.filter((path) => /^(src|test|bench|scripts|clients\/web\/src)\//.test(path) || path.endsWith('.test.ts'))).toEqual([])
  })

  it('imports every entry point from plain Node (.mjs, no TypeScript loader)', async () => {
    const result = await runCommand(process.execPath, ['imports.mjs'], { cwd: project, timeoutMs: 60_000 })
    expect(result.code, result.output).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ server: [], client: [], webUI: 'function', openapi: '3.1.0' })
  }, 120_000)

  it('writes the contract of its own TypeScript workflow module with `npx parley spec`, and types a client from it', async () => {
    const spec = await runCommand('npx', ['parley', 'spec', './workflows.ts', '--output', 'openapi.json'], {
      cwd: project,
      env: cleanEnv(),
      timeoutMs: 120_000,
    })
    expect(spec.code, spec.output).toBe(0)
    const document = JSON.parse(await readFile(join(project, 'openapi.json'), 'utf8'))
    expect(document.paths['/v1/workflows/approve_expense/runs'].post.operationId).toBe('createApproveExpenseRun')
    expect(Object.keys(document.paths)).not.toContain('/v1/workflows/greet/runs')

    const types = await runCommand('npx', ['openapi-typescript', 'openapi.json', '--default-non-nullable', 'false', '-o', 'api.d.ts'], {
      cwd: project,
      env: cleanEnv(),
      timeoutMs: 120_000,
    })
    expect(types.code, types.output).toBe(0)
    // tsc --strict over the user's workflow module and a client typed by its paths: the package's
    // declarations resolve, the params are this module's, and the @ts-expect-error lines must err.
    const tsc = await runCommand(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { cwd: project, timeoutMs: 180_000 })
    expect(tsc.code, tsc.output).toBe(0)
  }, 480_000)

  it('serves its TypeScript workflow module with `npx parley serve` (SQLite, the default), the web UI included, and a run with a question is driven through the client', async () => {
    const port = await freePort()
    const server = startDetached('npx', ['parley', 'serve', './workflows.ts', '--port', String(port)], project)
    try {
      await waitFor(() => server.output().includes('parley: serving on'), 'npx parley serve listening', {
        timeoutMs: 60_000,
        detail: () => server.output(),
      })
      const url = `http://127.0.0.1:${port}`
      const page = await fetch(`${url}/`)
      expect(page.status).toBe(200)
      const script = (await page.text()).match(/src="(\/ui\/app\.js\?v=[0-9a-f]+)"/)?.[1]
      expect(script).toBeDefined()
      expect((await fetch(`${url}${script}`)).status).toBe(200)

      const drive = await runCommand(process.execPath, ['drive.mjs', url], { cwd: project, timeoutMs: 60_000 })
      expect(drive.code, drive.output).toBe(0)
      expect(JSON.parse(drive.stdout)).toEqual({
        seen: ['workflow_started', 'multiple_choice', 'reply', 'text_message', 'workflow_completed'],
        status: 'completed',
        result: 'yes',
        finished: true,
      })
    } finally {
      server.stop()
    }
  }, 180_000)
})

/** A command in its own process group (npx starts node under it), stopped as a whole. */
function startDetached(command: string, args: string[], cwd: string) {
  const child: ChildProcess = spawn(command, args, { cwd, env: cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  return {
    output: () => output,
    stop: () => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL')
    },
  }
}
