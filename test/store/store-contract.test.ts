import { describe, expect, it } from 'vitest'
import type { MessageDraft } from '../../src/schemas/messages.ts'
import type { EffectRecord, NewRun } from '../../src/store/store.ts'
import { JournalConflictError, LeaseLostError, RunFinishedError } from '../../src/store/store.ts'
import { STORE_BACKENDS, useOpenedStore } from '../support/store-backends.ts'

/** The promises of the `Store` interface, kept by every backend alike. */

const newRun = (overrides: Partial<NewRun> = {}): NewRun => ({
  user_id: 'alice',
  workflow: 'greet',
  params: { greeting: 'Hello' },
  idempotency_key: null,
  request_hash: null,
  max_active_runs: 100,
  ...overrides,
})

const text = (body: string): MessageDraft => ({
  type: 'text_message',
  content: { body },
  sender: 'Bot',
  recipient: 'User',
  auto_reply: false,
})
const ask = (prompt: string, expires_at: string | null = null): MessageDraft => ({
  type: 'text_input',
  content: { prompt, suggestions: [], password: false, default: null, expires_at, on_timeout: expires_at === null ? null : 'error' },
  sender: 'Bot',
  recipient: 'User',
  auto_reply: false,
})
const effect = (position: number, overrides: Partial<EffectRecord> = {}): EffectRecord => ({
  position,
  kind: 'step',
  name: `step ${position}`,
  fingerprint: `f${position}`,
  summary: `ctx.step("step ${position}")`,
  outcome: { value: { n: position } },
  ...overrides,
})
const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }
const completed = (result: string): MessageDraft => ({
  type: 'workflow_completed',
  content: { result },
  sender: null,
  recipient: null,
  auto_reply: false,
})

describe.each(STORE_BACKENDS)('the $name store', (backend) => {
  const store = useOpenedStore(backend)

  async function created(overrides: Partial<NewRun> = {}) {
    const outcome = await store.createRun(newRun(overrides))
    if (outcome.kind !== 'created') throw new Error(`expected a new run, got ${outcome.kind}`)
    return outcome.run
  }

  it('creates a queued run with an empty log', async () => {
    const run = await created()
    expect(run).toMatchObject({ status: 'queued', last_seq: 0, result: null, error: null, pending_question: null, finished_at: null })
    expect(await store.getRun(run.id)).toEqual(run)
    expect(await store.listMessages(run.id, 0, 100)).toEqual([])
  })

  it('asked with a user, finds only that user’s run: another’s is null, as a missing one (getRun, readPage)', async () => {
    const run = await created({ user_id: 'alice' })
    await store.append(run.id, text('for alice only'))
    expect(await store.getRun(run.id, 'alice')).toMatchObject({ id: run.id, user_id: 'alice', last_seq: 1 })
    expect(await store.getRun(run.id, 'mallory')).toBeNull()
    expect(await store.getRun('no-such-run', 'alice')).toBeNull()
    expect((await store.readPage(run.id, 0, 100, undefined, 'alice'))?.messages).toHaveLength(1)
    expect(await store.readPage(run.id, 0, 100, undefined, 'mallory')).toBeNull()
    expect(await store.readPage('no-such-run', 0, 100, undefined, 'alice')).toBeNull()
    // Without a user (the runtime's own reads), any run.
    expect((await store.getRun(run.id))?.user_id).toBe('alice')
  })

  it('returns the existing run for a known Idempotency-Key, per user', async () => {
    const first = await created({ idempotency_key: 'k', request_hash: 'h' })
    expect(await store.createRun(newRun({ idempotency_key: 'k', request_hash: 'other' }))).toEqual({ kind: 'existing', run: first })
    expect((await store.createRun(newRun({ user_id: 'bob', idempotency_key: 'k' }))).kind).toBe('created')
  })

  it('refuses a run past max_active_runs, counting only unfinished runs of that user', async () => {
    const first = await created({ max_active_runs: 2 })
    await created({ max_active_runs: 2 })
    expect(await store.createRun(newRun({ max_active_runs: 2 }))).toEqual({ kind: 'limit_reached', active: 2 })
    expect((await store.createRun(newRun({ user_id: 'bob', max_active_runs: 2 }))).kind).toBe('created')
    await store.finishRun(first.id, {
      drafts: [completed('done')],
      change: { status: 'completed', result: 'done' },
      questionStatus: 'expired',
    })
    expect((await store.createRun(newRun({ max_active_runs: 2 }))).kind).toBe('created')
  })

  it('numbers appended messages 1, 2, 3 … per run, and lists them after a cursor', async () => {
    const a = await created()
    const b = await created()
    for (const body of ['one', 'two', 'three']) await store.append(a.id, text(body))
    await store.append(b.id, text('other'))
    const log = await store.listMessages(a.id, 0, 100)
    expect(log.map((message) => [message.seq, message.type === 'text_message' && message.content.body])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ])
    expect((await store.listMessages(a.id, 1, 1)).map((message) => message.seq)).toEqual([2])
    expect((await store.listMessages(b.id, 0, 100)).map((message) => message.seq)).toEqual([1])
    expect((await store.getRun(a.id))?.last_seq).toBe(3)
  })

  it('makes a question pending and the run awaiting_input; answers once, then reports a duplicate or not pending', async () => {
    const run = await created()
    const question = await store.append(run.id, ask('Name?'))
    expect(await store.getRun(run.id)).toMatchObject({ status: 'awaiting_input', pending_question: question })
    expect(await store.getQuestion(run.id, question.id)).toMatchObject({ status: 'pending', answer: null })

    const answered = await store.answerQuestion(run.id, question.id, 'Ada', 'User')
    expect(answered.kind).toBe('answered')
    expect(await store.getRun(run.id)).toMatchObject({ status: 'running', pending_question: null, last_seq: 2 })
    const duplicate = await store.answerQuestion(run.id, question.id, 'Ada', 'User')
    expect(duplicate).toEqual({ kind: 'duplicate', reply: answered.kind === 'answered' ? answered.reply : null })
    expect(await store.answerQuestion(run.id, question.id, 'Grace', 'User')).toEqual({ kind: 'not_pending', status: 'answered' })
    expect(await store.answerQuestion(run.id, 'nope', 'Ada', 'User')).toEqual({ kind: 'not_found' })
    expect((await store.listMessages(run.id, 0, 100)).filter((message) => message.type === 'reply')).toHaveLength(1)
  })

  it('does not find a question through another run', async () => {
    const a = await created()
    const b = await created()
    const question = await store.append(a.id, ask('Name?'))
    expect(await store.getQuestion(b.id, question.id)).toBeNull()
    expect(await store.answerQuestion(b.id, question.id, 'Ada', null)).toEqual({ kind: 'not_found' })
  })

  it('finishes a run once: the pending question takes the given status, and later writes are refused', async () => {
    const run = await created()
    const question = await store.append(run.id, ask('Name?'))
    const finished = await store.finishRun(run.id, {
      drafts: [completed('x')],
      change: { status: 'cancelled' },
      questionStatus: 'cancelled',
    })
    expect(finished).toMatchObject({ status: 'cancelled', pending_question: null, last_seq: 2 })
    expect((await store.getQuestion(run.id, question.id))?.status).toBe('cancelled')
    expect(
      await store.finishRun(run.id, { drafts: [completed('y')], change: { status: 'completed' }, questionStatus: 'expired' }),
    ).toBeNull()
    await expect(store.append(run.id, text('late'))).rejects.toBeInstanceOf(RunFinishedError)
    expect(await store.answerQuestion(run.id, question.id, 'Ada', null)).toEqual({ kind: 'not_pending', status: 'cancelled' })
    expect((await store.listMessages(run.id, 0, 100)).map((message) => message.seq)).toEqual([1, 2])
  })

  it('lists a user’s runs newest first, filtered, in pages that a cursor continues', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2))
      ids.push((await created({ workflow: i % 2 === 0 ? 'greet' : 'echo' })).id)
    }
    await created({ user_id: 'bob' })
    const all = await store.listRuns({ user_id: 'alice', limit: 10 })
    expect(all.map((run) => run.id)).toEqual([...ids].reverse())
    const echoes = await store.listRuns({ user_id: 'alice', workflow: 'echo', limit: 10 })
    expect(echoes.map((run) => run.id)).toEqual([ids[3], ids[1]])
    const firstPage = await store.listRuns({ user_id: 'alice', limit: 2 })
    const last = firstPage.at(-1)
    const secondPage = await store.listRuns({ user_id: 'alice', limit: 2, cursor: last && { created_at: last.created_at, id: last.id } })
    expect([...firstPage, ...secondPage].map((run) => run.id)).toEqual([...ids].reverse().slice(0, 4))
    expect(await store.listRuns({ user_id: 'alice', status: 'completed', limit: 10 })).toEqual([])
  })

  it('calls a subscriber after every change to its run, and not after it unsubscribes', async () => {
    const a = await created()
    const b = await created()
    let calls = 0
    const unsubscribe = store.subscribe(a.id, () => calls++)
    await store.append(a.id, text('one'))
    await store.append(b.id, text('elsewhere'))
    await store.recordEffect(a.id, { effect: effect(1), usage })
    expect(calls).toBe(2)
    unsubscribe()
    await store.append(a.id, text('two'))
    expect(calls).toBe(2)
    expect(store.events.listenerCount).toBe(0)
  })

  it('journals an effect with the message it emits, and reads the journal back in position order', async () => {
    const run = await created()
    await store.recordEffect(run.id, { effect: effect(2) })
    const message = await store.append(run.id, text('hello'), {
      effect: effect(1, { kind: 'message', name: 'text_message', outcome: null }),
    })
    await store.recordEffect(run.id, { effect: effect(3, { kind: 'llm', outcome: { error: { name: 'LlmError', message: 'HTTP 500' } } }) })
    const journal = await store.readJournal(run.id)
    expect(journal.map((entry) => [entry.position, entry.kind, entry.message?.id ?? null])).toEqual([
      [1, 'message', message.id],
      [2, 'step', null],
      [3, 'llm', null],
    ])
    expect(journal[1]).toMatchObject({ name: 'step 2', fingerprint: 'f2', outcome: { value: { n: 2 } } })
    expect(journal[2]?.outcome).toEqual({ error: { name: 'LlmError', message: 'HTTP 500' } })
    expect(await store.readJournal((await created()).id)).toEqual([])
  })

  it('refuses a journal position that is taken, and then appends no message either', async () => {
    const run = await created()
    await store.append(run.id, text('first'), { effect: effect(1, { kind: 'message', outcome: null }) })
    await expect(store.append(run.id, text('again'), { effect: effect(1, { kind: 'message', outcome: null }) })).rejects.toBeInstanceOf(
      JournalConflictError,
    )
    await expect(store.recordEffect(run.id, { effect: effect(1) })).rejects.toBeInstanceOf(JournalConflictError)
    expect((await store.listMessages(run.id, 0, 100)).map((message) => message.type === 'text_message' && message.content.body)).toEqual([
      'first',
    ])
    expect((await store.getRun(run.id))?.last_seq).toBe(1)
  })

  it('adds an effect’s usage to the run’s in the same write, and refuses effects once the run finished', async () => {
    const run = await created()
    await store.recordEffect(run.id, { effect: effect(1), usage })
    await store.recordEffect(run.id, { effect: effect(2), usage })
    expect((await store.getRun(run.id))?.usage).toEqual({ prompt_tokens: 6, completion_tokens: 4, total_tokens: 10 })
    await store.finishRun(run.id, { drafts: [completed('x')], change: { status: 'completed' }, questionStatus: 'expired' })
    await expect(store.recordEffect(run.id, { effect: effect(3) })).rejects.toBeInstanceOf(RunFinishedError)
  })

  it('drops the journal of a run that finishes', async () => {
    const run = await created()
    await store.recordEffect(run.id, { effect: effect(1) })
    await store.finishRun(run.id, { drafts: [completed('x')], change: { status: 'completed' }, questionStatus: 'expired' })
    expect(await store.readJournal(run.id)).toEqual([])
  })

  it('expires a pending question: the expiry message is logged, the run runs again, and no reply is taken', async () => {
    const run = await created()
    const question = await store.append(run.id, ask('Name?', new Date(Date.now() + 60_000).toISOString()))
    const expired = await store.expireQuestion(run.id, question.id, text('expired'))
    expect(expired.kind).toBe('expired')
    expect(await store.getRun(run.id)).toMatchObject({ status: 'running', pending_question: null, last_seq: 2 })
    expect((await store.getQuestion(run.id, question.id))?.status).toBe('expired')
    expect(await store.answerQuestion(run.id, question.id, 'Ada', 'User')).toEqual({ kind: 'not_pending', status: 'expired' })
    expect(await store.expireQuestion(run.id, question.id, text('again'))).toEqual({ kind: 'not_pending', status: 'expired' })
  })

  it('refuses a reply once the deadline has passed, even before the question was expired', async () => {
    const run = await created()
    const question = await store.append(run.id, ask('Name?', new Date(Date.now() - 1).toISOString()))
    expect(await store.answerQuestion(run.id, question.id, 'Ada', 'User')).toEqual({ kind: 'not_pending', status: 'expired' })
    expect((await store.getQuestion(run.id, question.id))?.status).toBe('pending')
  })

  it('reports the answer instead of expiring a question that was answered first', async () => {
    const run = await created()
    const question = await store.append(run.id, ask('Name?', new Date(Date.now() + 60_000).toISOString()))
    await store.answerQuestion(run.id, question.id, 'Ada', 'User')
    expect(await store.expireQuestion(run.id, question.id, text('expired'))).toEqual({ kind: 'answered', answer: 'Ada' })
    expect((await store.getRun(run.id))?.last_seq).toBe(2)
  })

  describe('leases', () => {
    const claim = (owner: string, limit = 10) => store.claimRuns(owner, { limit, leaseMs: 60_000 })
    const claimedIds = async (owner: string) => (await claim(owner)).map((claimed) => claimed.run.id)

    it('hands each ready run to one worker only, oldest first, and a run created with a lease to nobody else', async () => {
      const a = await created()
      const b = await created()
      const held = await store.createRun(newRun({ lease: { owner: 'w0', ms: 60_000 } }))
      expect(held).toMatchObject({ kind: 'created', lease: { token: 1 } })
      const [first, second] = await Promise.all([claim('w1'), claim('w2')])
      expect([...(first ?? []), ...(second ?? [])].map((claimed) => claimed.run.id).sort()).toEqual([a.id, b.id].sort())
      expect(await claimedIds('w3')).toEqual([])
      expect((await store.claimRuns('w4', { limit: 1, leaseMs: 1 })).length).toBe(0)
    })

    it('lets another worker claim a run whose lease lapsed, and fences the old holder out of every write', async () => {
      const run = await created()
      const [old] = await store.claimRuns('w1', { limit: 1, leaseMs: 1 })
      if (!old) throw new Error('not claimed')
      await new Promise((resolve) => setTimeout(resolve, 5))
      const [taken] = await claim('w2')
      expect(taken?.lease.token).toBe(old.lease.token + 1)
      const stale = { lease: old.lease }
      await expect(store.append(run.id, text('stale'), stale)).rejects.toBeInstanceOf(LeaseLostError)
      await expect(store.recordEffect(run.id, { effect: effect(1), ...stale })).rejects.toBeInstanceOf(LeaseLostError)
      await expect(
        store.finishRun(run.id, { drafts: [completed('x')], change: { status: 'completed' }, questionStatus: 'expired', ...stale }),
      ).rejects.toBeInstanceOf(LeaseLostError)
      expect(await store.listMessages(run.id, 0, 100)).toEqual([])
      expect(await store.renewLeases('w1', [old.lease], 60_000)).toEqual([run.id])
      expect(await store.renewLeases('w2', [taken?.lease ?? old.lease], 60_000)).toEqual([])
      await store.append(run.id, text('current'), { lease: taken?.lease })
      expect((await store.getRun(run.id))?.last_seq).toBe(1)
    })

    it('parks a released run that waits for a reply, until the reply makes it ready (and says so)', async () => {
      const run = await created()
      const [claimed] = await claim('w1')
      if (!claimed) throw new Error('not claimed')
      const question = await store.append(run.id, ask('Name?'), { lease: claimed.lease })
      await store.releaseLease(claimed.lease, { park: true, wakeAt: null })
      expect(await claimedIds('w2')).toEqual([])
      let told = 0
      const stop = store.onRunnable(() => told++)
      await store.answerQuestion(run.id, question.id, 'Ada', 'User')
      stop()
      expect(told).toBe(1)
      expect(await claimedIds('w2')).toEqual([run.id])
    })

    it('makes a parked run ready at its question’s deadline, or at the end of its sleep', async () => {
      const asking = await created()
      const sleeping = await created()
      const claims = await claim('w1')
      const leaseOf = (id: string) => claims.find((claimed) => claimed.run.id === id)?.lease
      // Far enough ahead that the writes below are done before it on a loaded machine.
      const soon = Date.now() + 1500
      await store.append(asking.id, ask('Name?', new Date(soon).toISOString()), { lease: leaseOf(asking.id) })
      await store.releaseLease(leaseOf(asking.id) ?? { runId: '', token: 0 }, { park: true, wakeAt: null })
      await store.releaseLease(leaseOf(sleeping.id) ?? { runId: '', token: 0 }, { park: true, wakeAt: soon })
      expect(await claimedIds('w2')).toEqual([])
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, soon - Date.now()) + 20))
      expect((await claimedIds('w2')).sort()).toEqual([asking.id, sleeping.id].sort())
    })

    it('ends the lease of a run that finishes, and tells who listens', async () => {
      const run = await created({ lease: { owner: 'w1', ms: 1 } })
      const finished: string[] = []
      const stop = store.onFinished((id) => finished.push(id))
      await store.finishRun(run.id, { drafts: [completed('x')], change: { status: 'cancelled' }, questionStatus: 'cancelled' })
      stop()
      expect(finished).toEqual([run.id])
      await new Promise((resolve) => setTimeout(resolve, 5))
      expect(await claimedIds('w2')).toEqual([])
    })
  })

  describe('retention', () => {
    const now = () => new Date().toISOString()
    const finishAt = (runId: string, finished_at: string) =>
      store.finishRun(runId, { drafts: [completed('done')], change: { status: 'completed', finished_at }, questionStatus: 'cancelled' })

    it('deletes runs finished before the cutoff, oldest first and at most `limit`, with their messages and questions', async () => {
      const oldest = await created({ idempotency_key: 'k', request_hash: 'h' })
      const question = await store.append(oldest.id, ask('Name?'))
      await store.answerQuestion(oldest.id, question.id, 'Ada', 'User')
      const older = await created()
      await store.append(older.id, ask('Mood?'))
      const recent = await created()
      const running = await created()
      await store.append(running.id, text('working'), { effect: effect(0) })
      await finishAt(older.id, '2020-01-02T00:00:00.000Z')
      await finishAt(oldest.id, '2020-01-01T00:00:00.000Z')
      await finishAt(recent.id, '2099-01-01T00:00:00.000Z')

      expect(await store.deleteFinishedBefore(now(), 1)).toBe(1)
      expect(await store.getRun(oldest.id)).toBeNull()
      expect(await store.listMessages(oldest.id, 0, 100)).toEqual([])
      expect(await store.getQuestion(oldest.id, question.id)).toBeNull()
      expect(await store.getRun(older.id)).not.toBeNull()

      expect(await store.deleteFinishedBefore(now(), 100)).toBe(1)
      expect(await store.getRun(older.id)).toBeNull()
      expect(await store.deleteFinishedBefore(now(), 100)).toBe(0)
      // What is left: the run that finished after the cutoff, and the unfinished one with its log and journal.
      const left = await store.listRuns({ user_id: 'alice', limit: 10 })
      expect(left.map((run) => run.id).sort()).toEqual([recent.id, running.id].sort())
      expect(await store.listMessages(recent.id, 0, 100)).toHaveLength(1)
      expect((await store.readJournal(running.id)).map((entry) => entry.position)).toEqual([0])
      // A deleted run's Idempotency-Key is free again.
      expect((await store.createRun(newRun({ idempotency_key: 'k', request_hash: 'h' }))).kind).toBe('created')
    })

    it('lists unfinished runs created before the cutoff, oldest first, for the maximum age', async () => {
      const first = await created()
      const second = await created({ user_id: 'bob' })
      const done = await created()
      await finishAt(done.id, now())
      const later = new Date(Date.now() + 60_000).toISOString()
      expect(await store.unfinishedBefore(later, 10)).toEqual([first.id, second.id])
      expect(await store.unfinishedBefore(later, 1)).toEqual([first.id])
      expect(await store.unfinishedBefore('2020-01-01T00:00:00.000Z', 10)).toEqual([])
    })
  })
})
