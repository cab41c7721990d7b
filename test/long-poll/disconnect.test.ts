import { describe, expect, it } from 'vitest'
import { greet } from '../../src/examples/questions.ts'
import { call } from '../support/contract.ts'
import { answer, listMessages, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { STORE_BACKENDS, useServedStore } from '../support/store-backends.ts'
import { waitFor } from '../support/wait-for.ts'

/** Timers alive in this process (the server runs in it): a held poll's `wait` timer is one of them. */
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length

describe.each(STORE_BACKENDS)('a client that disconnects mid-poll ($name store)', (backend) => {
  const { store, server, app } = useServedStore(backend, [greet])

  it('leaves no listener and no timer behind', async () => {
    const run = await startRun(server.url, 'greet')
    const question = await nextQuestion(server.url, run.id)
    // The run's own wait for its answer subscribes just after the question is stored.
    await waitFor(() => store.events.listenerCount === 1, 'the run waits for its answer')
    const timersBefore = timers()

    // Twenty polls at once: the timer count is process-wide and other timers (pooled connections')
    // come and go, but not twenty of them.
    const POLLS = 20
    const client = new AbortController()
    const held = Array.from({ length: POLLS }, () =>
      fetch(`${server.url}/v1/runs/${run.id}/messages?after=${question.seq}&wait=60`, { signal: client.signal }),
    )
    await waitFor(() => store.events.listenerCount === 1 + POLLS, 'the polls are held')
    await waitFor(() => timers() >= timersBefore + POLLS / 2, 'their wait timers are set')
    await waitFor(() => app.runs.stopping.listenerCount === POLLS, 'each waits for the server to stop too')

    client.abort()
    for (const poll of held) await expect(poll).rejects.toThrow()
    await waitFor(() => store.events.listenerCount === 1, 'their listeners are released')
    await waitFor(() => timers() <= timersBefore, 'their wait timers are cleared')
    expect(app.runs.stopping.listenerCount).toBe(0)
  })

  it('loses nothing: a new poll from the same cursor gets what arrived meanwhile', async () => {
    const run = await startRun(server.url, 'greet')
    const question = await nextQuestion(server.url, run.id)
    const client = new AbortController()
    const held = fetch(`${server.url}/v1/runs/${run.id}/messages?after=${question.seq}&wait=60`, { signal: client.signal })
    // One listener is the run's own wait for its answer, the other the held poll.
    await waitFor(() => store.events.listenerCount === 2, 'the poll is held')
    client.abort()
    await held.catch(() => undefined)

    const reply = await answer(server.url, run.id, question.id, 'Ada')
    const resumed = await listMessages(server.url, run.id, `after=${question.seq}&wait=5`)
    expect(resumed.body.messages[0]).toEqual(reply)
    await call(server.url, 'POST', `/v1/runs/${run.id}/cancel`)
    await readLog(server.url, run.id)
    await waitFor(() => store.events.listenerCount === 0, 'every listener is released once the run has ended')
  })
})
