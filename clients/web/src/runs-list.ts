import type { ApiSession, Run, RunStatus } from './api.ts'
import { describeFailure } from './api.ts'
import { h, replaceChildren, shortTime } from './dom.ts'
import { statusBadge } from './status.ts'

const PAGE_SIZE = 20

export interface RunsList {
  readonly element: HTMLElement
  /** Reloads the first page (after a start, or when a run's status changed). */
  refresh(): Promise<void>
  /** Marks the open run (`aria-current`), or none. */
  highlight(runId: string | undefined): void
  /** Updates one run's status in place without a request. */
  setStatus(runId: string, status: RunStatus): void
}

/** Your past runs (`listRuns`, newest first), each a link that reopens its conversation. */
export function createRunsList(session: ApiSession): RunsList {
  const list = h('ul', { class: 'run-list' })
  const empty = h('p', { class: 'muted small', hidden: true }, 'No runs yet. Start one from a workflow above.')
  const failure = h('p', { class: 'form-error small', role: 'alert', hidden: true })
  const more = h('button', { type: 'button', class: 'link-button', hidden: true }, 'Show older runs')
  const refreshButton = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Refresh past runs', title: 'Refresh' }, '↻')
  const element = h(
    'section',
    { class: 'side-section', 'aria-labelledby': 'runs-heading' },
    h('div', { class: 'side-head' }, h('h2', { id: 'runs-heading' }, 'Past runs'), refreshButton),
    list,
    empty,
    failure,
    more,
  )
  let cursor: string | null = null
  let current: string | undefined
  let generation = 0

  const item = (run: Run) =>
    h(
      'li',
      { 'data-run-id': run.id },
      h(
        'a',
        { href: `#/runs/${encodeURIComponent(run.id)}`, 'aria-current': run.id === current ? 'page' : null },
        h('span', { class: 'run-name' }, run.workflow),
        statusBadge(run.status),
        h('time', { datetime: run.created_at, class: 'muted small' }, shortTime(run.created_at)),
      ),
    )

  async function load(append: boolean) {
    const mine = ++generation
    try {
      const query = append && cursor ? { limit: PAGE_SIZE, cursor } : { limit: PAGE_SIZE }
      const { data, error, response } = await session.client.GET('/v1/runs', { params: { query } })
      if (mine !== generation) return // a newer load started meanwhile
      failure.hidden = data !== undefined
      if (!data) {
        failure.textContent = `Past runs: ${describeFailure(error, response)}`
        return
      }
      if (append) list.append(...data.runs.map(item))
      else replaceChildren(list, ...data.runs.map(item))
      cursor = data.next_cursor
      more.hidden = cursor === null
      empty.hidden = list.childElementCount > 0
    } catch (error) {
      if (mine !== generation) return
      failure.hidden = false
      failure.textContent = `Past runs: ${describeFailure(error)}`
    }
  }

  refreshButton.addEventListener('click', () => void load(false))
  more.addEventListener('click', () => void load(true))

  return {
    element,
    refresh: () => load(false),
    highlight(runId) {
      current = runId
      for (const link of list.querySelectorAll('a')) {
        const id = link.closest('li')?.dataset.runId
        if (id === runId) link.setAttribute('aria-current', 'page')
        else link.removeAttribute('aria-current')
      }
    },
    setStatus(runId, status) {
      const row = Array.from(list.children).find((child) => child instanceof HTMLElement && child.dataset.runId === runId)
      row?.querySelector('.status')?.replaceWith(statusBadge(status))
    },
  }
}
