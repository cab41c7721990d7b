import { describe, expect, it } from 'vitest'
import { approval, greet } from '../../src/examples/questions.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { call } from '../support/contract.ts'
import { startRun } from '../support/contract-runs.ts'
import { CONTRACT_STORE } from '../support/contract-store.ts'
import { STORE_BACKENDS, useServedStore } from '../support/store-backends.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * Questions for other people and the inbox (`GET /v1/questions`): a workflow names `assignees`;
 * they find the question in their inbox beside their own, answer it on its run, and see nothing
 * else of the run. Every response is checked against the contract; every backend alike.
 */

const KEYS = { alice: 'key-alice-0123456789', bob: 'key-bob-01234567890', carol: 'key-carol-0123456789' } as const
type User = keyof typeof KEYS
const as = (user: User) => ({ headers: { authorization: `Bearer ${KEYS[user]}` } })

// The contract suite runs once per backend (vitest.config.ts): this file on that run's backend.
const BACKEND = STORE_BACKENDS.filter((backend) => backend.name === CONTRACT_STORE)

describe.each(BACKEND)('the inbox ($name store)', (backend) => {
  const { server, app } = useServedStore(backend, [approval, greet], {
    auth: { apiKeys: Object.fromEntries(Object.entries(KEYS).map(([user, key]) => [key, user])) },
    limits: { runsPerMinute: 0 },
  })
  const api = (user: User, method: string, path: string, body?: unknown) =>
    call(server.url, method, path, { ...as(user), ...(body === undefined ? {} : { body }) })

  /** Starts an approval by `owner` for `approvers` and waits until its question is asked. */
  async function approvalFor(owner: User, approvers: User[], request = 'Deploy') {
    const created = await api(owner, 'POST', '/v1/runs', { workflow: 'approval', params: { request, approvers } })
    expect(created.status).toBe(201)
    const page = await api(owner, 'GET', `/v1/runs/${created.body.id}/messages?after=0&wait=10`)
    let run = (await api(owner, 'GET', `/v1/runs/${created.body.id}`)).body
    for (let tries = 0; !run.pending_question && tries < 50; tries++) {
      await api(owner, 'GET', `/v1/runs/${run.id}/messages?after=${run.last_seq}&wait=5`)
      run = (await api(owner, 'GET', `/v1/runs/${run.id}`)).body
    }
    expect(page.status).toBe(200)
    expect(run.pending_question).toBeTruthy()
    return run
  }

  it('lists the questions of your runs and those assigned to you, newest first, with each run’s summary', async () => {
    const mine = await approvalFor('alice', [])
    const forAlice = await approvalFor('bob', ['alice'], 'Merge')
    const notForAlice = await approvalFor('carol', ['bob'])

    const inbox = await api('alice', 'GET', '/v1/questions')
    expect(inbox.status).toBe(200)
    const ids = inbox.body.questions.map((item: { question: { id: string } }) => item.question.id)
    expect(ids).toEqual([forAlice.pending_question.id, mine.pending_question.id])
    expect(inbox.body.questions[0]).toEqual({
      question: forAlice.pending_question,
      status: 'pending',
      run: { id: forAlice.id, workflow: 'approval', status: 'awaiting_input', created_at: forAlice.created_at },
      expires_at: forAlice.pending_question.content.expires_at,
      mine: false,
    })
    expect(inbox.body.questions[0].question.content.assignees).toEqual(['alice'])
    expect(inbox.body.questions[1].mine).toBe(true)
    expect(ids).not.toContain(notForAlice.pending_question.id)

    // Filters, and pages that follow the cursor.
    const byRun = await api('alice', 'GET', `/v1/questions?run_id=${mine.id}`)
    expect(byRun.body.questions.map((item: { run: { id: string } }) => item.run.id)).toEqual([mine.id])
    expect((await api('alice', 'GET', '/v1/questions?workflow=greet')).body.questions).toEqual([])
    const first = await api('alice', 'GET', '/v1/questions?limit=1')
    expect(first.body.questions).toHaveLength(1)
    const second = await api('alice', 'GET', `/v1/questions?limit=1&cursor=${first.body.next_cursor}`)
    expect(second.body.questions.map((item: { question: { id: string } }) => item.question.id)).toEqual([mine.pending_question.id])
    expect(second.body.next_cursor).toBeNull()
    const badCursor = await api('alice', 'GET', '/v1/questions?cursor=nope')
    expect(badCursor.status).toBe(422)
    expect(badCursor.body.errors.map((error: { field: string }) => error.field)).toEqual(['query.cursor'])
    const badStatus = await api('alice', 'GET', '/v1/questions?status=later')
    expect(badStatus.status).toBe(422)
    expect(badStatus.body.errors.map((error: { field: string }) => error.field)).toEqual(['query.status'])
  })

  it('lets an assignee answer (recorded as answered_by), and shows them nothing else of the run', async () => {
    const run = await approvalFor('bob', ['alice'])
    const question = run.pending_question

    // Not bob's question to give away: to alice every other operation on the run is a 404.
    for (const path of [`/v1/runs/${run.id}`, `/v1/runs/${run.id}/messages?after=0`, `/v1/runs/${run.id}/events`]) {
      expect((await api('alice', 'GET', path)).status, path).toBe(404)
    }
    expect((await api('alice', 'POST', `/v1/runs/${run.id}/cancel`)).status).toBe(404)
    // carol is not assigned: her reply is refused as for a run she cannot see.
    const carols = await api('carol', 'POST', `/v1/runs/${run.id}/replies`, { question_id: question.id, answer: 'approve' })
    expect(carols.status).toBe(404)
    expect(carols.body.code).toBe('run_not_found')
    // An invalid answer is checked as for the owner.
    const invalid = await api('alice', 'POST', `/v1/runs/${run.id}/replies`, { question_id: question.id, answer: 'maybe' })
    expect(invalid.status).toBe(422)

    const answered = await api('alice', 'POST', `/v1/runs/${run.id}/replies`, { question_id: question.id, answer: 'approve' })
    expect(answered.status).toBe(201)
    expect(answered.body.content).toEqual({ question_id: question.id, answer: 'approve', answered_by: 'alice' })
    // The same reply again is the recorded one (idempotent), for the assignee as for the owner.
    const again = await api('alice', 'POST', `/v1/runs/${run.id}/replies`, { question_id: question.id, answer: 'approve' })
    expect(again.status).toBe(200)
    expect(again.body.id).toBe(answered.body.id)

    // The owner sees who answered in the log, and the run goes on with that answer.
    let done = (await api('bob', 'GET', `/v1/runs/${run.id}`)).body
    for (let tries = 0; done.status !== 'completed' && tries < 50; tries++) {
      await api('bob', 'GET', `/v1/runs/${run.id}/messages?after=${done.last_seq}&wait=5`)
      done = (await api('bob', 'GET', `/v1/runs/${run.id}`)).body
    }
    expect(done).toMatchObject({ status: 'completed', result: 'approved' })
    const log = (await api('bob', 'GET', `/v1/runs/${run.id}/messages?after=0`)).body.messages
    expect(log.find((message: { type: string }) => message.type === 'reply').content.answered_by).toBe('alice')
    // Answered: out of the pending inbox, in the answered one.
    expect((await api('alice', 'GET', `/v1/questions?run_id=${run.id}`)).body.questions).toEqual([])
    const answeredInbox = await api('alice', 'GET', `/v1/questions?status=answered&run_id=${run.id}`)
    expect(answeredInbox.body.questions.map((item: { status: string }) => item.status)).toEqual(['answered'])
  })

  it('holds an empty inbox with wait= and answers as soon as a question is asked of the caller', async () => {
    const heldForCarol = api('carol', 'GET', '/v1/questions?wait=20')
    const heldForAlice = api('alice', 'GET', '/v1/questions?wait=20')
    // A question for alice alone: carol's poll stays held, alice's answers with it.
    await waitFor(() => app.runs.polls.held >= 2, 'both inboxes held')
    const run = await approvalFor('bob', ['alice'])
    const alice = await heldForAlice
    expect(alice.status).toBe(200)
    expect(alice.body.questions.map((item: { question: { id: string } }) => item.question.id)).toEqual([run.pending_question.id])
    const forCarol = await approvalFor('bob', ['carol'], 'For carol')
    const carol = await heldForCarol
    expect(carol.body.questions.map((item: { question: { id: string } }) => item.question.id)).toEqual([forCarol.pending_question.id])
  })
})

describe('assignees as a workflow gives them', () => {
  const ask = (assignees: unknown) =>
    defineWorkflow({
      name: 'ask',
      description: 'Asks one question with the assignees it was given',
      async run(ui) {
        return ui.multipleChoice({ prompt: 'Ok?', choices: ['yes'], assignees: assignees as string[] })
      },
    })
  /** The run once it asked its question or failed. */
  const firstQuestion = async (assignees: unknown) => {
    const app = createApp({ workflows: [ask(assignees)] })
    try {
      const { id } = await startRun(app, 'ask')
      let run = (await call(app, 'GET', `/v1/runs/${id}`)).body
      for (let polls = 0; run.status !== 'awaiting_input' && run.status !== 'failed' && polls < 50; polls++) {
        await call(app, 'GET', `/v1/runs/${id}/messages?after=${run.last_seq}&wait=5`)
        run = (await call(app, 'GET', `/v1/runs/${id}`)).body
      }
      return { run }
    } finally {
      await app.close()
    }
  }

  it('keeps each user once, leaves the field out when there are none, and fails the run on anything but user ids', async () => {
    expect((await firstQuestion(['bob', 'bob', 'carol'])).run.pending_question.content.assignees).toEqual(['bob', 'carol'])
    expect((await firstQuestion([])).run.pending_question.content).not.toHaveProperty('assignees')
    const bad = await firstQuestion(['bob', ''])
    expect(bad.run.status).toBe('failed')
    expect(bad.run.error.short).toBe('TypeError: multipleChoice: assignees must be an array of user ids (non-empty strings)')
  })
})
