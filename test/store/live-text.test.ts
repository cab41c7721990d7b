import { afterEach, describe, expect, it, vi } from 'vitest'
import { LiveText } from '../../src/store/live-text.ts'

const delta = (runId: string, ref: string, index: number, text: string, afterSeq = 3) => ({
  kind: 'delta' as const,
  runId,
  afterSeq,
  delta: { type: 'text_delta' as const, message_ref: ref, index, delta: text, sender: 'A', recipient: 'B' },
})
const texts = (live: LiveText, runId: string) => live.pending(runId).map((item) => item.delta.delta)

describe('LiveText, the deltas a process keeps of replies being generated', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps a reply from its first delta, starts it over at an index of 0 and drops it when it ends', () => {
    const live = new LiveText()
    live.receive(delta('run', 'r1', 0, 'Once'))
    live.receive(delta('run', 'r1', 1, ' upon'))
    expect(texts(live, 'run')).toEqual(['Once', ' upon'])
    live.receive(delta('run', 'r1', 0, 'Twice'))
    expect(texts(live, 'run')).toEqual(['Twice'])
    live.receive({ kind: 'end', runId: 'run', messageRef: 'r1' })
    expect(live.pending('run')).toEqual([])
    expect(live.size).toEqual({ listeners: 0, replies: 0 })
  })

  it('tells the listeners of that run only, until they stop listening', () => {
    const live = new LiveText()
    const heard: string[] = []
    const stop = live.subscribe('run', (item) => heard.push(item.delta.delta))
    live.receive(delta('other', 'r2', 0, 'elsewhere'))
    live.receive(delta('run', 'r1', 0, 'here'))
    stop()
    live.receive(delta('run', 'r1', 1, ' again'))
    expect(heard).toEqual(['here'])
    expect(live.size.listeners).toBe(0)
  })

  it('forgets a reply whose worker went quiet without saying it ended, even for a run nobody reads again', () => {
    vi.useFakeTimers()
    const live = new LiveText()
    live.receive(delta('abandoned', 'r1', 0, 'cut off'))
    vi.advanceTimersByTime(6 * 60_000)
    live.receive(delta('busy', 'r2', 0, 'still going'))
    expect(live.size.replies).toBe(1)
    expect(live.pending('abandoned')).toEqual([])
  })
})
