import { request as httpRequest } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { CliProcess } from '../support/cli-process.ts'
import { freePort, waitForOutput } from '../support/cli-process.ts'
import { cleanEnv, exitWithin, START_TIMEOUT_MS, useParleyProcesses } from '../support/parley-process.ts'

const { run } = useParleyProcesses()
const KEYS = 'key-alice-0123456789:alice'

/** `parley serve --store memory --host <host> --port <free> ...extra`, with stderr kept apart. */
async function serveOn(host: string, extra: string[], env: Record<string, string> = {}) {
  const port = await freePort()
  const cli = run(['serve', '--store', 'memory', '--host', host, '--port', String(port), ...extra], cleanEnv(env))
  let stderr = ''
  cli.child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return { cli, port, stderr: () => stderr }
}

/** A GET to 127.0.0.1:port naming `host`. */
function get(port: number, path: string, host: string) {
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

async function serving(cli: CliProcess) {
  await waitForOutput(cli, /parley: web UI at /, START_TIMEOUT_MS)
}

describe('parley serve on an address other machines reach', () => {
  it('refuses to start without API keys: one line on stderr, exit code 2, nothing served', async () => {
    const { cli, stderr } = await serveOn('0.0.0.0', [])
    const { code } = await exitWithin(cli, START_TIMEOUT_MS)
    expect(code).toBe(2)
    const lines = stderr().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^parley: refusing to serve without API keys on 0\.0\.0\.0/)
    expect(lines[0]).toContain('PARLEY_API_KEYS')
    expect(lines[0]).toContain('--allow-no-auth')
    expect(cli.output()).not.toContain('serving on')
  })

  it('refuses a LAN address (not only 0.0.0.0) just the same', async () => {
    const { cli, stderr } = await serveOn('10.255.255.1', [])
    expect((await exitWithin(cli, START_TIMEOUT_MS)).code).toBe(2)
    expect(stderr()).toMatch(/^parley: refusing to serve without API keys on 10\.255\.255\.1/)
  })

  it('starts with --allow-no-auth, says where it really listens, warns, and still guards the Host', async () => {
    const { cli, port, stderr } = await serveOn('0.0.0.0', ['--allow-no-auth'])
    await serving(cli)
    expect(cli.output()).toContain(`parley: serving on http://0.0.0.0:${port} (`)
    expect(cli.output()).toContain(`parley: web UI at http://127.0.0.1:${port}/`)
    expect(stderr()).toMatch(/parley: warning: serving without API keys on 0\.0\.0\.0/)
    expect(await get(port, '/v1/workflows', `localhost:${port}`)).toBe(200)
    expect(await get(port, '/v1/workflows', `attacker.example:${port}`)).toBe(421)
  })

  it('starts with PARLEY_ALLOW_NO_AUTH=1 and answers the hosts in PARLEY_ALLOWED_HOSTS', async () => {
    const { cli, port } = await serveOn('0.0.0.0', [], { PARLEY_ALLOW_NO_AUTH: '1', PARLEY_ALLOWED_HOSTS: 'parley.internal' })
    await serving(cli)
    expect(await get(port, '/healthz', `parley.internal:${port}`)).toBe(200)
    expect(await get(port, '/healthz', `other.internal:${port}`)).toBe(421)
  })

  it('starts with API keys, with no warning and no Host check', async () => {
    const { cli, port, stderr } = await serveOn('0.0.0.0', [], { PARLEY_API_KEYS: KEYS })
    await serving(cli)
    expect(cli.output()).toContain(`parley: serving on http://0.0.0.0:${port} (`)
    expect(stderr()).not.toContain('warning: serving without API keys')
    expect(await get(port, '/healthz', `parley.example.com:${port}`)).toBe(200)
    expect(await get(port, '/v1/workflows', `parley.example.com:${port}`)).toBe(401)
  })

  it('starts on loopback without keys, as always', async () => {
    const { cli, port } = await serveOn('127.0.0.1', [])
    await serving(cli)
    expect(cli.output()).toContain(`parley: serving on http://127.0.0.1:${port} (`)
  })
})
