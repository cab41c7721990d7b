import type { ApiSession, Message, MessageOf, MessagePage, Question, Run, RunStatus, TextDelta } from './api.ts'
import { describeFailure, isFinished } from './api.ts'
import { confirmPrompt } from './confirm-prompt.ts'
import { h, shortTime, uid } from './dom.ts'
import { followRun } from './follow-run.ts'
import type { MessageViewContext } from './message-views.ts'
import { renderDraft, renderMessage } from './message-views.ts'
import { questionExpiryOf } from './question-expiry.ts'
import type { QuestionWidget } from './question-widgets.ts'
import { sendAnswer } from './send-answer.ts'
import { statusBadge } from './status.ts'

const NEAR_BOTTOM_PX = 120

export interface ConversationHooks {
  /** The run's status changed (the past-runs list shows it too). */
  onStatus(runId: string, status: RunStatus): void
  /** A question of the run was answered from this page (the inbox count changes). */
  onAnswered(): void
}

export interface Conversation {
  readonly element: HTMLElement
  /** Stops following the run (the page moved elsewhere). */
  dispose(): void
}

/**
 * A run's conversation: replays the log from seq 0, then follows it live through the event stream
 * (`GET /v1/runs/{run_id}/events`), or the long-poll (`listMessages?after=<last seq>&wait=25`)
 * when the server has no stream or it keeps failing. Each message is rendered once, keyed by its seq, so a
 * retried poll, a reload or a second tab shows exactly the log, nothing doubled or skipped.
 *
 * How the log is followed (stream or long-poll) is `followRun`'s business: it hands over pages,
 * each with the run's status as far as it knows it.
 */
export function openConversation(session: ApiSession, runId: string, hooks: ConversationHooks): Conversation {
  const stop = new AbortController()
  const titleId = uid('run-title')
  const title = h('h2', { id: titleId }, 'Run')
  const meta = h('p', { class: 'run-meta' }, h('span', { class: 'run-id', title: runId }, `run ${runId.slice(0, 8)}`))
  const status = statusBadge('queued')
  status.setAttribute('role', 'status')
  const cancel = h('button', { type: 'button', class: 'button danger', disabled: true }, 'Cancel run')
  const confirmCancel = confirmPrompt({
    question: 'Cancel this run? It stops for good.',
    confirm: 'Yes, cancel the run',
    keep: 'Keep it running',
  })
  const again = h('a', { class: 'button', href: '#/', hidden: true }, 'New run')
  const note = h('p', { class: 'connection-note', role: 'alert', hidden: true })
  const log = h('ol', { class: 'log', role: 'log', 'aria-labelledby': titleId, tabindex: 0 })
  const element = h(
    'section',
    { class: 'panel run-panel', 'aria-labelledby': titleId },
    h(
      'header',
      { class: 'run-header' },
      h('a', { class: 'back', href: '#/' }, '← All workflows'),
      h('div', { class: 'run-title' }, title, meta),
      h('div', { class: 'run-actions' }, status, cancel, confirmCancel.element, again),
    ),
    note,
    log,
  )

  let lastSeq = 0
  // Follow the newest message while the reader is at the bottom; leave them be when they scrolled up.
  let pinned = true
  log.addEventListener('scroll', () => {
    pinned = log.scrollHeight - log.scrollTop - log.clientHeight < NEAR_BOTTOM_PX
  })
  const resized = new ResizeObserver(() => {
    if (pinned) log.scrollTop = log.scrollHeight
  })
  resized.observe(log)
  let currentStatus: RunStatus | undefined
  const questions = new Map<string, { message: Question; widget: QuestionWidget }>()
  // Replies being written (token streaming), by the id their message will have.
  const drafts = new Map<string, ReturnType<typeof renderDraft>>()
  // Questions that take no more replies: answered, or expired with the log's record of it.
  const settled = new Set<string>()
  // What the log and the server say of how the run ended, for the closing card of a run without a result.
  let reportedStatus: RunStatus | undefined
  let lastError: MessageOf<'error'>['content'] | undefined
  let cancelReason: string | undefined

  const context: MessageViewContext = {
    questionOf: (id) => questions.get(id)?.message,
    send: async (question, answer) => {
      const outcome = await sendAnswer(session, runId, question, answer)
      if (outcome.ok) hooks.onAnswered()
      return outcome
    },
    ending: () =>
      reportedStatus === 'cancelled' || cancelReason !== undefined
        ? { kind: 'cancelled', reason: cancelReason }
        : { kind: 'failed', error: lastError },
  }

  cancel.addEventListener('click', async () => {
    // Asked in the page first: a stray click or Enter on "Cancel run" must not end the run.
    cancel.hidden = true
    const confirmed = await confirmCancel.ask()
    cancel.hidden = currentStatus !== undefined && isFinished(currentStatus)
    if (!confirmed) {
      if (!cancel.hidden) cancel.focus()
      return
    }
    cancel.disabled = true
    cancel.textContent = 'Cancelling…'
    try {
      const { data, error, response } = await session.client.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: runId } } })
      if (data) setStatus(data.status)
      else if (response.status !== 409) showNote(describeFailure(error, response))
    } catch (error) {
      showNote(describeFailure(error))
    } finally {
      cancel.textContent = 'Cancel run'
      cancel.disabled = currentStatus === undefined || isFinished(currentStatus)
    }
  })

  function setStatus(next: RunStatus) {
    if (next === currentStatus) return
    currentStatus = next
    status.textContent = next.replace('_', ' ')
    status.className = `status status-${next}`
    const finished = isFinished(next)
    cancel.disabled = finished
    cancel.hidden = finished
    if (finished) confirmCancel.dismiss()
    again.hidden = !finished
    hooks.onStatus(runId, next)
  }

  function closeUnanswered(final: RunStatus) {
    for (const [id, { widget }] of questions) {
      if (!settled.has(id))
        widget.close(`Not answered: the run ${final === 'completed' ? 'finished' : final === 'failed' ? 'failed' : 'was cancelled'}`)
    }
  }

  function showNote(text: string | undefined) {
    note.hidden = text === undefined
    note.textContent = text ?? ''
  }

  function describeRun(run: Run) {
    title.textContent = run.workflow
    again.setAttribute('href', `#/workflows/${encodeURIComponent(run.workflow)}`)
    meta.append(' · started ', h('time', { datetime: run.created_at }, shortTime(run.created_at)))
  }

  /** Appends what is new in a page of the log; true when something was. */
  function apply(page: MessagePage): boolean {
    let added = false
    reportedStatus = page.run_status
    for (const message of page.messages) {
      if (message.seq <= lastSeq) continue // already shown: a retried or overlapping poll
      lastSeq = message.seq
      added = true
      show(message)
    }
    setStatus(page.run_status)
    if (added && pinned) log.scrollTop = log.scrollHeight
    return added
  }

  /** A piece of a reply being written: its bubble grows until the message it becomes replaces it. */
  function showDelta(delta: TextDelta) {
    let draft = drafts.get(delta.message_ref)
    if (!draft) {
      draft = renderDraft(delta)
      drafts.set(delta.message_ref, draft)
      log.append(draft.element)
    } else if (delta.index === 0) {
      draft.restart()
    }
    draft.append(delta.delta)
    if (pinned) log.scrollTop = log.scrollHeight
  }

  function show(message: Message) {
    const view = renderMessage(message, context)
    const draft = drafts.get(message.id)
    drafts.delete(message.id)
    if (draft) draft.element.replaceWith(view.element)
    else log.append(view.element)
    // The run is over: a reply still being written never will be.
    if (message.type === 'workflow_completed') {
      for (const left of drafts.values()) left.element.remove()
      drafts.clear()
    }
    if (view.widget && (message.type === 'text_input' || message.type === 'multiple_choice')) {
      questions.set(message.id, { message, widget: view.widget })
    }
    if (message.type === 'error') lastError = message.content
    if (message.type === 'system_message' && message.content.message.event === 'run_cancelled') {
      const { reason } = message.content.message
      cancelReason = typeof reason === 'string' ? reason : ''
    }
    if (message.type === 'reply') {
      settled.add(message.content.question_id)
      questions.get(message.content.question_id)?.widget.lock(message.content.answer)
    }
    const expiry = questionExpiryOf(message)
    if (expiry) {
      settled.add(expiry.question_id)
      questions.get(expiry.question_id)?.widget.expire(expiry)
    }
  }

  /** The question the run waits on, if it is in the log and not yet answered. */
  function pendingQuestion(): QuestionWidget | undefined {
    if (currentStatus === undefined || isFinished(currentStatus)) return undefined
    const open = [...questions].filter(([id]) => !settled.has(id))
    return open.at(-1)?.[1].widget
  }

  async function follow() {
    const signal = stop.signal
    const { data: run, error, response } = await session.client.GET('/v1/runs/{run_id}', { params: { path: { run_id: runId } }, signal })
    if (!run) {
      showNote(response.status === 404 ? 'No such run here (it may belong to another user or API key).' : describeFailure(error, response))
      title.textContent = 'Run not found'
      return
    }
    describeRun(run)
    reportedStatus = run.status
    setStatus(run.status)
    let focused: QuestionWidget | undefined
    const onPage = (page: MessagePage) => {
      showNote(undefined)
      apply(page)
      const waiting = pendingQuestion()
      if (waiting && waiting !== focused) {
        focused = waiting
        // Only when the user is not typing somewhere else on the page.
        if (document.activeElement === document.body || log.contains(document.activeElement)) waiting.focus()
      }
    }
    const following = followRun(session, runId, {
      after: lastSeq,
      status: run.status,
      signal,
      onPage,
      onStatus: (next) => {
        reportedStatus = next
        setStatus(next)
      },
      onDelta: showDelta,
      onRetry: (error) => showNote(`Reconnecting… (${describeFailure(error)})`),
    })
    try {
      await following
    } catch (error) {
      if (signal.aborted) return
      // Not worth another try (a 4xx problem, say): the note says what the API answered.
      showNote(describeFailure(error))
      return
    }
    // The whole log is in: a question still without a reply will never get one.
    if (currentStatus !== undefined) closeUnanswered(currentStatus)
  }

  follow().catch((error: unknown) => {
    if (!stop.signal.aborted) showNote(describeFailure(error))
  })

  return {
    element,
    dispose: () => {
      stop.abort()
      resized.disconnect()
    },
  }
}
