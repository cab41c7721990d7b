import type { Workflow } from './api.ts'
import { h, replaceChildren } from './dom.ts'

export interface WorkflowsList {
  readonly element: HTMLElement
  show(workflows: Workflow[]): void
  showError(message: string, retry: () => void): void
  /** Marks the workflow whose form is open, or none. */
  highlight(name: string | undefined): void
}

/** The workflows this server runs, each a link to its start form. */
export function createWorkflowsList(): WorkflowsList {
  const body = h('div', {}, h('p', { class: 'muted small' }, 'Loading…'))
  const element = h(
    'nav',
    { class: 'side-section', 'aria-labelledby': 'workflows-heading' },
    h('h2', { id: 'workflows-heading' }, 'Workflows'),
    body,
  )
  let current: string | undefined
  return {
    element,
    show(workflows) {
      if (workflows.length === 0) {
        replaceChildren(body, h('p', { class: 'muted small' }, 'This server has no workflows.'))
        return
      }
      replaceChildren(
        body,
        h(
          'ul',
          { class: 'workflow-list' },
          ...workflows.map((workflow) =>
            h(
              'li',
              {},
              h(
                'a',
                {
                  href: `#/workflows/${encodeURIComponent(workflow.name)}`,
                  'data-workflow': workflow.name,
                  title: workflow.description,
                  'aria-current': workflow.name === current ? 'page' : null,
                },
                h('span', { class: 'workflow-name' }, workflow.name),
                h('span', { class: 'workflow-description' }, workflow.description),
              ),
            ),
          ),
        ),
      )
    },
    showError(message, retry) {
      replaceChildren(
        body,
        h('p', { class: 'form-error small', role: 'alert' }, message),
        h('button', { type: 'button', class: 'button', onclick: retry }, 'Try again'),
      )
    },
    highlight(name) {
      current = name
      for (const link of body.querySelectorAll<HTMLAnchorElement>('a[data-workflow]')) {
        if (link.dataset.workflow === name) link.setAttribute('aria-current', 'page')
        else link.removeAttribute('aria-current')
      }
    },
  }
}
