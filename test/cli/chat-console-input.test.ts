import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { ConsoleInput } from '../../src/cli/chat/console-input.ts'
import { createConsoleInput } from '../../src/cli/chat/console-input.ts'

/** A stdin stand-in: a stream, a terminal in raw mode when `terminal`. */
function fakeStdin(terminal: boolean) {
  const stream = new PassThrough()
  const rawModes: boolean[] = []
  Object.assign(stream, { isTTY: terminal, setRawMode: (mode: boolean) => rawModes.push(mode) })
  return { stdin: stream as unknown as NodeJS.ReadStream, stream, rawModes }
}

let opened: ConsoleInput[] = []
afterEach(() => {
  for (const input of opened) input.close()
  opened = []
})

function open(terminal: boolean) {
  const { stdin, stream, rawModes } = fakeStdin(terminal)
  let screen = ''
  const input = createConsoleInput(stdin, (text) => {
    screen += text
  })
  opened.push(input)
  return { input, type: (keys: string) => stream.write(keys), end: () => stream.end(), screen: () => screen, rawModes }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('the console input on a terminal', () => {
  it('holds the terminal in raw mode while open, and gives it back on close', () => {
    const { input, rawModes } = open(true)
    input.close()
    opened = []
    expect(rawModes).toEqual([true, false])
  })

  it('shows a * per character of a masked line, with Backspace, and never the text', async () => {
    const { input, type, screen } = open(true)
    const line = input.readLine('Password: ', { masked: true })
    type('hunter22\u007f2\r')
    expect(await line).toBe('hunter22')
    expect(screen()).toBe('Password: ********\b \b*\n')
  })

  it('calls the interrupt handlers on Ctrl-C, typed as a key', async () => {
    const { input, type } = open(true)
    let interrupts = 0
    input.onInterrupt(() => interrupts++)
    type('\u0003')
    await tick()
    expect(interrupts).toBe(1)
  })

  it('lets a later read take the input over, then gives the earlier one back its prompt and what was typed', async () => {
    const { input, type, screen } = open(true)
    const name = input.readLine('> ')
    type('Ad')
    const confirm = input.readLine('Cancel? ')
    type('n\r')
    expect(await confirm).toBe('n')
    await tick()
    type('a\r')
    expect(await name).toBe('Ada')
    expect(screen()).toBe('> AdCancel? n\n> Ada\n')
  })

  it('ends a read given up through its signal, and does not show its prompt again', async () => {
    const { input, type, screen } = open(true)
    const question = new AbortController()
    const name = input.readLine('> ', { signal: question.signal })
    const confirm = input.readLine('Cancel? ')
    type('y\r')
    await confirm
    question.abort(new Error('cancelled'))
    await expect(name).rejects.toThrow('cancelled')
    await tick()
    expect(screen()).toBe('> Cancel? y\n')
  })

  it('ends the input on Ctrl-D at an empty line', async () => {
    const { input, type } = open(true)
    const line = input.readLine('> ')
    type('\u0004')
    expect(await line).toBeNull()
  })
})

describe('the console input from a pipe', () => {
  it('hands lines piped ahead to the reads in turn, echoing the unmasked ones, then null at the end', async () => {
    const { input, type, end, screen } = open(false)
    type('Ada\nsecret\n')
    end()
    await tick()
    expect(await input.readLine('> ')).toBe('Ada')
    expect(await input.readLine('Password: ', { masked: true })).toBe('secret')
    expect(await input.readLine('> ')).toBeNull()
    expect(screen()).toBe('> Ada\nPassword: \n> \n')
  })
})
