import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { CliProcess } from '../support/cli-process.ts'
import { freePort, REPO, waitForOutput } from '../support/cli-process.ts'
import { cleanEnv, exitWithin, START_TIMEOUT_MS, useParleyProcesses } from '../support/parley-process.ts'

const DEFINE_WORKFLOW = join(REPO, 'src/runtime/define-workflow.ts')

// A user's module, twice: plain `.ts` in a folder with no package.json (so it loads as CommonJS),
// and in a package marked "type": "module" (so it loads as ESM).
const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'))
const MODULE = join(dir, 'my-workflows.ts')
const ESM_MODULE = join(dir, 'esm', 'my-workflows.ts')
const SOURCE = `import { defineWorkflow } from ${JSON.stringify(DEFINE_WORKFLOW)}

export const shout = defineWorkflow({
  name: 'shout',
  description: 'Says HELLO',
  async run(ui, _params, ctx) {
    await ui.textMessage({ body: 'HELLO' })
    return 'shouted for ' + ctx.userId
  },
})

export const ask = defineWorkflow({
  name: 'ask',
  description: 'Asks and waits',
  async run(ui) {
    return ui.textInput({ prompt: 'Anything?' })
  },
})

export const careless = defineWorkflow({
  name: 'careless',
  description: 'Leaves a rejected promise unawaited',
  async run() {
    void Promise.reject(new Error('left unawaited'))
    return 'returned'
  },
})

export const notAWorkflow = { name: 'nope' }
`
writeFileSync(MODULE, SOURCE)
mkdirSync(dirname(ESM_MODULE))
writeFileSync(join(dirname(ESM_MODULE), 'package.json'), '{ "type": "module" }')
writeFileSync(ESM_MODULE, SOURCE)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const { run: runCli } = useParleyProcesses()

/** Spawns `parley serve`, resolves with its URL once it says it is serving. */
async function serveCli(module: string, env: Record<string, string> = {}): Promise<CliProcess & { url: string }> {
  const port = await freePort()
  const cli = runCli(['serve', module, '--store', 'memory', '--port', String(port)], cleanEnv(env))
  await waitForOutput(cli, /parley: serving on /, START_TIMEOUT_MS)
  return { ...cli, url: `http://127.0.0.1:${port}` }
}

describe('parley serve <module.ts>', () => {
  it(
    'serves that module’s workflows and shuts down cleanly on SIGTERM, ending held long-polls (exit 0)',
    async () => {
      const cli = await serveCli(ESM_MODULE)

      const listed = await (await fetch(`${cli.url}/v1/workflows`)).json()
      expect(listed.workflows.map((w: { name: string }) => w.name).sort()).toEqual(['ask', 'careless', 'shout'])
      expect(cli.output()).toContain('(store: memory, workflows: ')

      const created = await fetch(`${cli.url}/v1/workflows/shout/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      expect(created.status).toBe(201)
      const { id } = await created.json()
      const page = await (await fetch(`${cli.url}/v1/runs/${id}/messages?after=2&wait=10`)).json()
      expect(page.messages.at(-1)).toMatchObject({ type: 'workflow_completed', content: { result: 'shouted for anonymous' } })

      // A run waiting for input and a long-poll held on it, when the signal comes.
      const asking = await (
        await fetch(`${cli.url}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"workflow":"ask"}' })
      ).json()
      const held = fetch(`${cli.url}/v1/runs/${asking.id}/messages?after=50&wait=60`).then(
        (response) => response.status,
        () => 'connection closed',
      )
      await new Promise((resolve) => setTimeout(resolve, 200))

      cli.child.kill('SIGTERM')
      const { code, signal } = await exitWithin(cli, 10_000)
      expect({ code, signal }).toEqual({ code: 0, signal: null })
      expect(cli.output()).toContain('parley: SIGTERM, stopping')
      // Answered with what it had, never a reset connection.
      expect(await held).toBe(200)
    },
    START_TIMEOUT_MS + 20_000,
  )

  it(
    'survives a workflow that leaves a rejected promise unawaited, and logs it',
    async () => {
      const cli = await serveCli(ESM_MODULE)
      const created = await fetch(`${cli.url}/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"workflow":"careless"}',
      })
      const { id } = await created.json()
      const page = await (await fetch(`${cli.url}/v1/runs/${id}/messages?after=1&wait=10`)).json()
      expect(page.messages.at(-1)).toMatchObject({ type: 'workflow_completed', content: { result: 'returned' } })
      await new Promise((resolve) => setTimeout(resolve, 200))

      expect((await fetch(`${cli.url}/healthz`)).status).toBe(200)
      expect(cli.output()).toContain('left unawaited')
      cli.child.kill('SIGTERM')
      expect((await exitWithin(cli, 10_000)).code).toBe(0)
    },
    START_TIMEOUT_MS + 20_000,
  )

  it(
    'serves the contract of the module’s workflows: PARLEY_PUBLIC_URL as its server, a createRun example that starts one of them',
    async () => {
      const cli = await serveCli(MODULE, { PARLEY_PUBLIC_URL: 'https://agents.example.com/' })
      const document = await (await fetch(`${cli.url}/openapi.json`)).json()
      expect(document.servers).toEqual([{ url: 'https://agents.example.com', description: 'This server' }])
      // Swagger UI at /docs may send "Try it out" there.
      const docs = await fetch(`${cli.url}/docs`)
      expect(docs.headers.get('content-security-policy')).toContain("connect-src 'self' https://agents.example.com")
      // No example workflows here: the example body names one of the module's, and starts it.
      const example = document.paths['/v1/runs'].post.requestBody.content['application/json'].example
      expect(example.workflow).toMatch(/^(shout|ask|careless)$/)
      const created = await fetch(`${cli.url}/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(example),
      })
      expect(created.status).toBe(201)
    },
    START_TIMEOUT_MS + 20_000,
  )

  it(
    'loads a module that is not ESM, and turns auth on from PARLEY_API_KEYS_FILE',
    async () => {
      const keys = join(dir, 'keys.json')
      writeFileSync(keys, JSON.stringify({ 'cli-key-0123456789': 'carol' }))
      const cli = await serveCli(MODULE, { PARLEY_API_KEYS_FILE: keys })

      const refused = await fetch(`${cli.url}/v1/workflows`)
      expect(refused.status).toBe(401)
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/)
      const created = await fetch(`${cli.url}/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer cli-key-0123456789' },
        body: '{"workflow":"shout"}',
      })
      expect(created.status).toBe(201)
      const { id } = await created.json()
      const page = await (
        await fetch(`${cli.url}/v1/runs/${id}/messages?after=2&wait=10`, { headers: { authorization: 'Bearer cli-key-0123456789' } })
      ).json()
      expect(page.messages.at(-1).content.result).toBe('shouted for carol')

      cli.child.kill('SIGTERM')
      expect((await exitWithin(cli, 10_000)).code).toBe(0)
    },
    START_TIMEOUT_MS + 20_000,
  )

  it(
    'exits non-zero with a readable message on bad configuration, never half-started',
    async () => {
      const badKeys = runCli(['serve', MODULE, '--store', 'memory', '--port', '0'], cleanEnv({ PARLEY_API_KEYS: 'key-without-user' }))
      const bad = await exitWithin(badKeys, START_TIMEOUT_MS)
      expect(bad.code).not.toBe(0)
      expect(badKeys.output()).toContain('PARLEY_API_KEYS entry 1 is not key:user_id')
      expect(badKeys.output()).not.toContain('parley: serving on')
      // One line that says what is wrong, not a stack trace.
      expect(badKeys.output()).not.toMatch(/^\s+at /m)

      const shortKey = runCli(['serve', MODULE, '--store', 'memory', '--port', '0'], cleanEnv({ PARLEY_API_KEYS: 'short:alice' }))
      expect((await exitWithin(shortKey, START_TIMEOUT_MS)).code).toBe(1)
      expect(shortKey.output().trim()).toBe('parley: PARLEY_API_KEYS entry 1: the key is shorter than 16 characters')

      const missing = runCli(['serve', join(dir, 'no-such-module.ts'), '--store', 'memory', '--port', '0'], cleanEnv())
      const gone = await exitWithin(missing, START_TIMEOUT_MS)
      expect(gone.code).not.toBe(0)
      expect(missing.output()).toContain('no-such-module.ts')
    },
    2 * START_TIMEOUT_MS + 10_000,
  )
})

describe('the command line itself', () => {
  /** Runs `parley …args` to its end; its exit code and what it printed. */
  async function parley(args: string[]) {
    const cli = runCli(args, cleanEnv())
    const { code } = await exitWithin(cli, START_TIMEOUT_MS)
    return { code, output: cli.output() }
  }

  it(
    'prints each command’s usage for --help, exit 0, and starts nothing',
    async () => {
      for (const command of ['serve', 'worker', 'migrate']) {
        const help = await parley([command, '--help'])
        expect(help.code, command).toBe(0)
        expect(help.output, command).toContain(`Usage: parley ${command}`)
        expect(help.output, command).not.toContain('parley: serving on')
      }
    },
    3 * START_TIMEOUT_MS,
  )

  it(
    'answers a bad flag, a bad --port and an unknown command in one line (and the usage), exit 2, no stack trace',
    async () => {
      const cases: [string[], string][] = [
        [['serve', '--bogus'], "Unknown option '--bogus'"],
        [['serve', '--port', 'abc', '--store', 'memory'], 'parley: --port must be a port number from 0 to 65535, not "abc"'],
        [['serve', '--port', '70000', '--store', 'memory'], 'not "70000"'],
        [['frobnicate'], 'parley: unknown command "frobnicate"'],
      ]
      for (const [args, message] of cases) {
        const result = await parley(args)
        expect(result.code, args.join(' ')).toBe(2)
        expect(result.output, args.join(' ')).toContain(message)
        expect(result.output, args.join(' ')).not.toMatch(/^\s+at /m)
      }
    },
    4 * START_TIMEOUT_MS,
  )

  it(
    'says in one line that the port is taken, exit 1, and lets go of the store',
    async () => {
      const first = await serveCli(MODULE)
      const port = new URL(first.url).port
      const second = await parley(['serve', MODULE, '--store', 'memory', '--port', port])
      expect(second.code).toBe(1)
      expect(second.output.trim()).toBe(
        `parley: port ${port} on 127.0.0.1 is already in use: stop what listens there, or choose another with --port`,
      )
    },
    3 * START_TIMEOUT_MS,
  )
})
