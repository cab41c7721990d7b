import type { ApiSession } from './api.ts'
import { h } from './dom.ts'

export interface ApiKeyPanel {
  /** The header button that opens the panel. */
  readonly button: HTMLButtonElement
  readonly element: HTMLElement
  /** Opens the panel with a reason (the API answered 401). */
  ask(reason: string): void
}

/**
 * Where the user gives the API key, when the server has keys configured. It is kept in this
 * browser's localStorage for this API and sent as `Authorization: Bearer <key>`.
 */
export function createApiKeyPanel(session: ApiSession, onChange: () => void): ApiKeyPanel {
  const button = h(
    'button',
    { type: 'button', class: 'button ghost', 'aria-expanded': 'false', 'aria-controls': 'api-key-panel' },
    'API key',
  )
  const input = h('input', { id: 'api-key-input', type: 'password', autocomplete: 'off', spellcheck: 'false' })
  const reason = h('p', { class: 'small', role: 'alert' })
  const forget = h('button', { type: 'button', class: 'button' }, 'Forget key')
  const element = h(
    'form',
    { id: 'api-key-panel', class: 'key-panel', hidden: true },
    reason,
    h('label', { for: 'api-key-input' }, 'API key for ', h('code', {}, session.baseUrl)),
    h('div', { class: 'answer-row' }, input, h('button', { type: 'submit', class: 'button primary' }, 'Save')),
    h('p', { class: 'muted small' }, 'Kept in this browser and sent as Authorization: Bearer.'),
    h('div', { class: 'form-actions' }, forget),
  )
  const open = (show: boolean) => {
    element.hidden = !show
    button.setAttribute('aria-expanded', String(show))
    forget.hidden = session.apiKey === undefined
    if (show) input.focus()
  }
  button.addEventListener('click', () => {
    reason.textContent = ''
    open(element.hidden)
  })
  element.addEventListener('submit', (event) => {
    event.preventDefault()
    session.setApiKey(input.value)
    input.value = ''
    open(false)
    onChange()
  })
  forget.addEventListener('click', () => {
    session.setApiKey(undefined)
    open(false)
    onChange()
  })
  return {
    button,
    element,
    ask(text) {
      if (!element.hidden && reason.textContent === text) return
      reason.textContent = text
      open(true)
    },
  }
}
