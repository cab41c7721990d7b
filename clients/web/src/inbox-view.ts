import type { components } from '../../../generated/v1.d.ts'
import type { Answer, ApiSession } from './api.ts'
import { describeFailure } from './api.ts'
import { h, shortTime, uid } from './dom.ts'
import { renderQuestion } from './message-views.ts'
import type { QuestionWidget } from './question-widgets.ts'
import { routeHref } from './router.ts'
import { sendAnswer } from './send-answer.ts'

export type InboxItem = components['schemas']['InboxItem']

const PAGE_SIZE = 20
/** How long an answered question stays, locked and marked answered, before it leaves the list. */
const ANSWERED_LINGER_MS = 1_500

export interface InboxHooks {
  /** A question was answered from the inbox, or found answered or closed elsewhere (the count changes). */
  onAnswered(): void
}

export interface InboxView {
  readonly element: HTMLElement
  /** Reads the first page again and adds the questions asked since (the count changed). */
  refresh(): void
  /** The page moved elsewhere. */
  dispose(): void
}

/**
 * The inbox (`#/inbox`): the questions waiting for the caller across runs (`listQuestions`),
 * newest first, a page at a time ("More"), each answered in place with the same controls as on
 * its run's page. An answered question shows so, then leaves the list; one answered elsewhere or
 * expired meanwhile says so (the server's 409). Questions of the caller's own runs link to the
 * run; one assigned to them by a workflow does not (they may not see the run).
 */
export function openInbox(session: ApiSession, hooks: InboxHooks): InboxView {
  const stop = new AbortController()
  const list = h('ol', { class: 'inbox-list', 'aria-labelledby': 'inbox-heading' })
  const empty = h('p', { class: 'muted inbox-empty', hidden: true }, 'No questions waiting for you.')
  const failure = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'More')
  const heading = h('h2', { id: 'inbox-heading', tabindex: -1 }, 'Inbox')
  const element = h(
    'section',
    { class: 'panel inbox-panel', 'aria-labelledby': 'inbox-heading', 'aria-busy': 'true' },
    heading,
    h('p', { class: 'muted' }, 'Questions waiting for your answer, from your runs and those assigned to you, newest first.'),
    failure,
    list,
    empty,
    h('div', { class: 'form-actions' }, more),
  )
  const shown = new Map<string, { element: HTMLElement; widget: QuestionWidget }>()
  let cursor: string | null = null

  const updateEmpty = () => {
    empty.hidden = list.childElementCount > 0
  }

  /** Answers, and once sent shows the question answered, then takes it out of the list. */
  const answer = async (item: InboxItem, given: Answer) => {
    const outcome = await sendAnswer(session, item.run.id, item.question, given)
    const entry = shown.get(item.question.id)
    if (outcome.ok) {
      hooks.onAnswered()
      if (entry) {
        entry.widget.lock(given)
        entry.element.classList.add('inbox-answered')
        setTimeout(() => leave(item.question.id), ANSWERED_LINGER_MS)
      }
    } else if (!outcome.stillPending) {
      // Answered elsewhere, expired or closed: the widget shows the note; the count is read again.
      entry?.element.classList.add('inbox-closed')
      hooks.onAnswered()
    }
    return outcome
  }

  /** Removes an item, keeping the keyboard user's place: focus goes to the next item's controls or the heading. */
  const leave = (questionId: string) => {
    const entry = shown.get(questionId)
    if (!entry) return
    shown.delete(questionId)
    const hadFocus = entry.element.contains(document.activeElement)
    const next = entry.element.nextElementSibling ?? entry.element.previousElementSibling
    entry.element.remove()
    updateEmpty()
    if (!hadFocus) return
    const nextId = next instanceof HTMLElement ? next.dataset.questionId : undefined
    const nextEntry = nextId === undefined ? undefined : shown.get(nextId)
    if (nextEntry) nextEntry.widget.focus()
    else heading.focus()
  }

  const render = (item: InboxItem): HTMLElement => {
    const view = renderQuestion(item.question, (given) => answer(item, given))
    const titleId = uid('inbox-item')
    const created = item.run.created_at
    const where = item.mine
      ? h('a', { class: 'inbox-open', href: routeHref({ view: 'run', runId: item.run.id }) }, 'Open run')
      : h('span', { class: 'tag inbox-assigned' }, 'Assigned to you')
    view.element.classList.add('inbox-item')
    view.element.dataset.questionId = item.question.id
    view.element.setAttribute('aria-labelledby', `${titleId} ${view.promptId}`)
    view.element.prepend(
      h(
        'div',
        { class: 'inbox-run' },
        h('h3', { id: titleId, class: 'run-name' }, item.run.workflow),
        h(
          'span',
          { class: 'muted small' },
          'run started ',
          h('time', { datetime: created, title: new Date(created).toLocaleString() }, shortTime(created)),
        ),
        where,
      ),
    )
    shown.set(item.question.id, { element: view.element, widget: view.widget })
    return view.element
  }

  async function load(next: string | null): Promise<void> {
    more.disabled = true
    element.setAttribute('aria-busy', 'true')
    try {
      const query = next === null ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, cursor: next }
      const { data, error, response } = await session.client.GET('/v1/questions', { params: { query }, signal: stop.signal })
      failure.hidden = data !== undefined
      if (!data) {
        failure.textContent = describeFailure(error, response)
        return
      }
      const fresh = data.questions.filter((item) => !shown.has(item.question.id))
      if (next === null) {
        // The first page again: what was asked since goes on top, newest first; the rest stays as it is.
        list.prepend(...fresh.map(render))
        if (shown.size === fresh.length) cursor = data.next_cursor
      } else {
        list.append(...fresh.map(render))
        cursor = data.next_cursor
      }
      more.hidden = cursor === null
      updateEmpty()
    } catch (error) {
      if (stop.signal.aborted) return
      failure.hidden = false
      failure.textContent = describeFailure(error)
    } finally {
      more.disabled = false
      element.setAttribute('aria-busy', 'false')
    }
  }

  more.addEventListener('click', () => void load(cursor))
  void load(null)

  return {
    element,
    refresh: () => void load(null),
    dispose: () => stop.abort(),
  }
}
