import type { Run, Workflow } from './api.ts'
import { ApiSession, describeFailure } from './api.ts'
import { createApiKeyPanel } from './api-key.ts'
import { unreachable } from './assert.ts'
import type { Conversation } from './conversation.ts'
import { openConversation } from './conversation.ts'
import { h, replaceChildren } from './dom.ts'
import { createInboxBadge } from './inbox-badge.ts'
import type { InboxView } from './inbox-view.ts'
import { openInbox } from './inbox-view.ts'
import { formPanel } from './params-form.ts'
import type { Route } from './router.ts'
import { parseRoute, routeHref } from './router.ts'
import { createRunsList } from './runs-list.ts'
import { createWorkflowsList } from './workflows-list.ts'

/**
 * The page: workflows and past runs on the side, a start form, a run's conversation or the inbox
 * in the main area, chosen by the URL hash (`#/workflows/<name>`, `#/runs/<id>`, `#/inbox`), so a
 * reload or a link reopens the same run. The header's "Inbox" link counts the questions waiting.
 */
function start(): void {
  const session = new ApiSession(apiBaseUrl())
  const sameOrigin = session.baseUrl === location.origin
  const workflowsList = createWorkflowsList()
  const runsList = createRunsList(session)
  let inbox: InboxView | undefined
  // A new count may mean new questions: the inbox, when shown, adds them.
  const inboxBadge = createInboxBadge(session, () => inbox?.refresh())
  const keyPanel = createApiKeyPanel(session, () => {
    workflows = undefined
    void loadWorkflows()
    void runsList.refresh()
    inboxBadge.refresh()
    render()
  })
  session.onUnauthorized = () => keyPanel.ask('This API needs an API key.')

  const main = h('main', { id: 'main', class: 'main', tabindex: -1 })
  const shell = h(
    'div',
    { class: 'app', 'data-view': 'home' },
    h('a', { class: 'skip-link', href: '#main', onclick: skipToMain }, 'Skip to content'),
    h(
      'header',
      { class: 'topbar' },
      h(
        'a',
        { class: 'brand', href: '#/' },
        h('span', { class: 'logo', 'aria-hidden': 'true' }, 'P'),
        h('span', { class: 'brand-name' }, 'Parley'),
      ),
      sameOrigin ? null : h('span', { class: 'api-origin', title: 'The API this page talks to' }, 'API ', h('code', {}, session.baseUrl)),
      h('span', { class: 'spacer' }),
      h('nav', { class: 'topnav', 'aria-label': 'Main' }, inboxBadge.element),
      h('a', { class: 'button ghost', href: session.docsUrl, target: '_blank', rel: 'noopener' }, 'API docs'),
      keyPanel.button,
    ),
    keyPanel.element,
    h(
      'div',
      { class: 'layout' },
      h('aside', { class: 'sidebar', 'aria-label': 'Workflows and runs' }, workflowsList.element, runsList.element),
      main,
    ),
  )
  document.body.replaceChildren(shell)

  let workflows: Promise<Workflow[] | undefined> | undefined
  let conversation: Conversation | undefined

  function loadWorkflows(): Promise<Workflow[] | undefined> {
    workflows ??= (async () => {
      try {
        const { data, error, response } = await session.client.GET('/v1/workflows')
        if (data) {
          workflowsList.show(data.workflows)
          return data.workflows
        }
        workflowsList.showError(describeFailure(error, response), retryWorkflows)
      } catch (error) {
        workflowsList.showError(describeFailure(error), retryWorkflows)
      }
      workflows = undefined // the next route change tries again
      return undefined
    })()
    return workflows
  }

  function retryWorkflows() {
    workflows = undefined
    void loadWorkflows().then(() => render())
  }

  async function render() {
    const route = parseRoute(location.hash)
    conversation?.dispose()
    conversation = undefined
    inbox?.dispose()
    inbox = undefined
    shell.dataset.view = route.view
    inboxBadge.setCurrent(route.view === 'inbox')
    workflowsList.highlight(route.view === 'workflow' ? route.name : undefined)
    runsList.highlight(route.view === 'run' ? route.runId : undefined)
    switch (route.view) {
      case 'home':
        document.title = 'Parley'
        replaceChildren(main, welcome())
        return
      case 'inbox':
        document.title = 'Inbox · Parley'
        inbox = openInbox(session, { onAnswered: () => inboxBadge.refresh() })
        replaceChildren(main, inbox.element)
        main.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true })
        return
      case 'workflow': {
        document.title = `${route.name} · Parley`
        replaceChildren(main, h('p', { class: 'muted panel' }, 'Loading…'))
        const all = await loadWorkflows()
        if (!isCurrent(route)) return
        const onStarted = (run: Run) => {
          void runsList.refresh()
          location.hash = routeHref({ view: 'run', runId: run.id })
        }
        replaceChildren(
          main,
          formPanel(
            session,
            all?.find((workflow) => workflow.name === route.name),
            route.name,
            onStarted,
          ),
        )
        main.querySelector<HTMLElement>('h2')?.setAttribute('tabindex', '-1')
        main.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true })
        return
      }
      case 'run':
        document.title = 'Run · Parley'
        conversation = openConversation(session, route.runId, {
          onStatus: (runId, status) => {
            runsList.setStatus(runId, status)
            void runsList.refresh()
          },
          onAnswered: () => inboxBadge.refresh(),
        })
        replaceChildren(main, conversation.element)
        return
      default:
        unreachable(route)
    }
  }

  function isCurrent(route: Route): boolean {
    return routeHref(parseRoute(location.hash)) === routeHref(route)
  }

  function welcome(): HTMLElement {
    return h(
      'section',
      { class: 'panel welcome' },
      h('h2', {}, 'Start a conversation'),
      h('p', {}, 'Pick a workflow to start a run. Its agents talk here, ask you questions when they need you, and end with a result.'),
      h('p', { class: 'muted' }, 'Reopen a past run from the list to see its whole conversation; a run still going continues live.'),
    )
  }

  window.addEventListener('hashchange', () => void render())
  void loadWorkflows()
  void runsList.refresh()
  void render()
}

/** Same origin unless the server that served this page says otherwise (chained mode). */
function apiBaseUrl(): string {
  const configured = document.querySelector<HTMLMetaElement>('meta[name="parley-api"]')?.content.trim()
  return (configured || location.origin).replace(/\/+$/, '')
}

function skipToMain(event: Event) {
  event.preventDefault()
  document.getElementById('main')?.focus()
}

start()
