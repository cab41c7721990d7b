import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CliProcess } from '../support/cli-process.ts'
import { freePort, spawnParleyCli, waitForOutput } from '../support/cli-process.ts'
import type { FakeOpenAI } from '../support/fake-openai.ts'
import { startFakeOpenAI } from '../support/fake-openai.ts'
import type { ServerProcess } from '../support/parley-process.ts'
import { cleanEnv, exitWithin, START_TIMEOUT_MS, useParleyProcesses } from '../support/parley-process.ts'
import { CTRL_C, spawnParleyInTerminal } from '../support/terminal-process.ts'

/** Generous: a loaded two-core machine compiles the CLI with tsx on every start. */
const PATIENCE_MS = 30_000

const { run, serve } = useParleyProcesses()
const inTerminal: CliProcess[] = []
afterEach(() => {
  for (const cli of inTerminal.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL')
})

// One server for the file (examples, memory store): each test starts runs of its own.
let server: ServerProcess
beforeAll(async () => {
  const port = await freePort()
  const cli = spawnParleyCli(['serve', '--store', 'memory', '--port', String(port)], cleanEnv())
  server = { ...cli, url: `http://127.0.0.1:${port}` }
  await waitForOutput(cli, /parley: serving on /, START_TIMEOUT_MS)
}, START_TIMEOUT_MS)
afterAll(() => {
  server?.child.kill('SIGKILL')
})

/** `parley chat …args --url <server>` with stdin a pipe. */
const chat = (args: string[]) => run(['chat', ...args, '--url', server.url], cleanEnv())

/** The same in a pseudo-terminal. */
function chatInTerminal(args: string[]) {
  const cli = spawnParleyInTerminal(['chat', ...args, '--url', server.url], cleanEnv())
  inTerminal.push(cli)
  return cli
}

/** Types `text` once the output shows `after` (a prompt). */
async function typeAfter(cli: CliProcess, after: string | RegExp, text: string) {
  await waitForOutput(cli, after, PATIENCE_MS)
  cli.child.stdin.write(text)
}

/** The prompt under greet's first question, on a terminal. */
const NAME_PROMPT = /Grace\)\r?\n> /

/** The run's id, from the first line `parley chat` prints. */
function runIdOf(cli: CliProcess): string {
  const id = /^Run (\S+) on /m.exec(cli.output())?.[1]
  if (!id) throw new Error(`no run id in:\n${cli.output()}`)
  return id
}

async function getRun(id: string): Promise<{ status: string; result: string | null }> {
  return (await fetch(`${server.url}/v1/runs/${id}`)).json() as Promise<{ status: string; result: string | null }>
}

async function repliesOf(id: string): Promise<unknown[]> {
  const page = (await (await fetch(`${server.url}/v1/runs/${id}/messages?after=0`)).json()) as {
    messages: Array<{ type: string; content: { answer?: unknown } }>
  }
  return page.messages.filter((message) => message.type === 'reply').map((message) => message.content.answer)
}

describe('parley chat with answers piped to stdin', () => {
  it('starts a run, prints who says what to whom, numbers the choices, and completes with the answers given', async () => {
    const cli = chat(['greet', '--param', 'greeting=Hi'])
    await typeAfter(cli, 'Your name?', 'Grace\n')
    await typeAfter(cli, '  2) bad', '2\n')
    expect((await exitWithin(cli, PATIENCE_MS)).code).toBe(0)
    const output = cli.output()
    expect(output).toContain('Greeter → User [text_input] Your name? (suggestions: Ada, Grace)')
    expect(output).toContain('Greeter → User [multiple_choice] Mood? (one of: good, bad)\n  1) good\n  2) bad\n')
    expect(output).toContain('Greeter → User [text_message] Hi, Grace (bad)')
    expect(output).toMatch(/Run \S+ completed\.\n$/)
    const id = runIdOf(cli)
    expect(await getRun(id)).toMatchObject({ status: 'completed', result: 'greeted Grace' })
    expect(await repliesOf(id)).toEqual(['Grace', 'bad'])
  })

  it('takes a multi-select as numbers, asking again after one that is not a choice', async () => {
    const cli = chat(['pick_toppings'])
    cli.child.stdin.end('9\n1, 3\n')
    expect((await exitWithin(cli, PATIENCE_MS)).code).toBe(0)
    expect(cli.output()).toContain('"9" is not one of the choices')
    const id = runIdOf(cli)
    expect(await getRun(id)).toMatchObject({ status: 'completed', result: 'cheese, basil' })
    expect(await repliesOf(id)).toEqual([['cheese', 'basil']])
  })

  it('reads a password from the pipe without printing it', async () => {
    const cli = chat(['secret_check'])
    cli.child.stdin.end('correct horse battery\n')
    expect((await exitWithin(cli, PATIENCE_MS)).code).toBe(0)
    expect(cli.output()).toContain('Vault → User [text_message] Your passphrase is long enough.')
    expect(cli.output()).not.toContain('correct horse')
    expect(await getRun(runIdOf(cli))).toMatchObject({ status: 'completed', result: 'long enough' })
  })
})

describe('parley chat in a terminal', () => {
  it('masks a password as it is typed: a * per character, never the secret', async () => {
    const cli = chatInTerminal(['secret_check'])
    await typeAfter(cli, 'Password: ', 'hunter2hunter2')
    await waitForOutput(cli, '*'.repeat(14), PATIENCE_MS)
    cli.child.stdin.write('\r')
    expect((await exitWithin(cli, PATIENCE_MS)).code).toBe(0)
    expect(cli.output()).not.toContain('hunter2')
    expect(await getRun(runIdOf(cli))).toMatchObject({ status: 'completed', result: 'long enough' })
  })

  it('asks on Ctrl-C whether to cancel; y cancels the run and exits 1 with its status', async () => {
    const cli = chatInTerminal(['greet'])
    await typeAfter(cli, NAME_PROMPT, CTRL_C)
    await typeAfter(cli, 'Cancel the run? [y/N] ', 'y\r')
    expect((await exitWithin(cli, PATIENCE_MS)).code).toBe(1)
    const id = runIdOf(cli)
    expect(cli.output()).toContain(`Run ${id} cancelled.`)
    expect((await getRun(id)).status).toBe('cancelled')
  })

  it('leaves the run going on a second Ctrl-C (exit 130), and --run attaches to it again to finish it', async () => {
    const cli = chatInTerminal(['greet'])
    await typeAfter(cli, NAME_PROMPT, CTRL_C)
    await typeAfter(cli, 'Cancel the run? [y/N] ', CTRL_C)
    expect((await exitWithin(cli, PATIENCE_MS)).code).toBe(130)
    const id = runIdOf(cli)
    expect(cli.output()).toContain(`Attach again with: parley chat --run ${id} --url ${server.url}`)
    expect((await getRun(id)).status).toBe('awaiting_input')

    const again = chat(['--run', id])
    await typeAfter(again, 'Your name?', 'Ada\n')
    await typeAfter(again, '  2) bad', '1\n')
    expect((await exitWithin(again, PATIENCE_MS)).code).toBe(0)
    expect(again.output()).toContain('[workflow_started] greet')
    expect(await getRun(id)).toMatchObject({ status: 'completed', result: 'greeted Ada' })
  })
})

describe('parley chat started wrongly', () => {
  it('answers bad flags in one line (and the usage), exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['greet', '--bogus'], "parley: Unknown option '--bogus'"],
      [['greet', '--param', 'no-equals'], 'parley: --param takes key=value, not "no-equals"'],
      [['greet', '--run', 'some-run'], 'parley: give a workflow to start a run, or --run to attach to one, not both'],
    ]
    await Promise.all(
      cases.map(async ([args, line]) => {
        const cli = chat(args)
        expect((await exitWithin(cli, PATIENCE_MS)).code, args.join(' ')).toBe(2)
        expect(cli.output().split('\n')[0], args.join(' ')).toContain(line)
        expect(cli.output()).toContain('Usage: parley chat WORKFLOW')
      }),
    )
  })

  it('prints the server’s problem for an unknown workflow or a bad param, naming it, exit 1', async () => {
    const unknown = chat(['no_such_workflow'])
    const badParam = chat(['quiz_loop', '--param', 'max_rounds=1000'])
    expect((await exitWithin(unknown, PATIENCE_MS)).code).toBe(1)
    expect(unknown.output().trim()).toBe('parley: cannot start no_such_workflow: No workflow named "no_such_workflow" [workflow_not_found]')
    expect((await exitWithin(badParam, PATIENCE_MS)).code).toBe(1)
    expect(badParam.output()).toContain('body.params.max_rounds')
  })

  it('sends the API key of --api-key or PARLEY_API_KEY; without one, the server’s 401 is the one line', async () => {
    const keyed = await serve(['--store', 'memory'], await freePort(), { PARLEY_API_KEYS: 'key-alice-0123456789:alice' })
    const withEnv = run(['chat', 'echo', '--url', keyed.url], cleanEnv({ PARLEY_API_KEY: 'key-alice-0123456789' }))
    const withFlag = run(['chat', 'echo', '--url', keyed.url, '--api-key', 'key-alice-0123456789'], cleanEnv())
    const without = run(['chat', 'echo', '--url', keyed.url], cleanEnv())
    for (const cli of [withEnv, withFlag]) {
      expect((await exitWithin(cli, PATIENCE_MS)).code).toBe(0)
      expect(cli.output()).toContain('Echo → User [text_message] Hello from Parley')
    }
    expect((await exitWithin(without, PATIENCE_MS)).code).toBe(1)
    expect(without.output()).toMatch(/^parley: cannot start echo: .*\[unauthorized\]\n$/)
  })
})

describe('parley chat and token streaming', () => {
  let fake: FakeOpenAI
  beforeAll(async () => {
    fake = await startFakeOpenAI()
  })
  afterAll(() => fake.close())

  it('prints a reply as the model writes it, and the stored message does not print it again', async () => {
    const streaming = await serve(['--store', 'memory'], await freePort(), { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test' })
    const chatWith = (args: string[]) => run(['chat', ...args, '--url', streaming.url], cleanEnv())

    // The model stops after four words and never finishes: what the console shows can only be deltas.
    fake.script({ text: 'Fractions are parts of a whole.', hangAfter: 4 })
    const halfway = chatWith(['simple_learning', '--param', 'max_turns=1'])
    await typeAfter(halfway, 'Which mathematics subject', 'Fractions\n')
    await waitForOutput(halfway, 'Teacher_Agent → Student_Agent [text_message] Fractions are parts of', PATIENCE_MS)
    const id = runIdOf(halfway)
    const stored = (await (await fetch(`${streaming.url}/v1/runs/${id}/messages?after=0`)).json()) as { messages: { sender: string }[] }
    expect(stored.messages.filter((message) => message.sender === 'Teacher_Agent')).toEqual([])
    await fetch(`${streaming.url}/v1/runs/${id}/cancel`, { method: 'POST' })
    expect((await exitWithin(halfway, PATIENCE_MS)).code).toBe(1)

    fake.script({ text: 'A fraction names equal parts of a whole. TERMINATE' }, { text: 'Takeaway: equal parts.' })
    const whole = chatWith(['simple_learning', '--param', 'max_turns=1'])
    await typeAfter(whole, 'Which mathematics subject', 'Fractions\n')
    expect((await exitWithin(whole, PATIENCE_MS)).code).toBe(0)
    const lines = whole.output().split('\n')
    expect(lines.filter((line) => line.includes('Teacher_Agent → Student_Agent [text_message]'))).toEqual([
      'Teacher_Agent → Student_Agent [text_message] A fraction names equal parts of a whole. TERMINATE',
    ])
  })
})
