import type { Answer, MessageOf, Question } from './api.ts'
import { unreachable } from './assert.ts'
import { h, uid } from './dom.ts'
import { questionCountdown } from './question-deadline.ts'
import type { QuestionExpiry } from './question-expiry.ts'
import { describeDefault, isMasked } from './question-expiry.ts'

/** What sending an answer came to: sent (the reply will appear in the log), or refused. */
export type SendOutcome = { ok: true } | { ok: false; error: string; stillPending: boolean }
export type SendAnswer = (answer: Answer) => Promise<SendOutcome>

/** The controls that answer one question, in place in the conversation. */
export interface QuestionWidget {
  readonly element: HTMLElement
  /** Shows the recorded answer and disables the controls for good. */
  lock(answer: Answer): void
  /** The question will not be answered any more (the run finished); disables the controls. */
  close(reason: string): void
  /** The deadline passed without a reply: says what the run took instead, disables the controls for good. */
  expire(expiry: QuestionExpiry): void
  /**
   * Moves the focus to the question: into a text input, where typing is the answer; for a choice,
   * to the group of choices, never to a choice itself, so a stray Enter (say, right after answering
   * the question before) picks nothing — approving a tool call takes a click or a key on Approve.
   */
  focus(): void
}

/**
 * The widget for a question: text input (suggestions, password masking), single choice, or
 * multi-select; with a countdown when the question has a deadline.
 */
export function questionWidget(question: Question, promptId: string, send: SendAnswer): QuestionWidget {
  switch (question.type) {
    case 'text_input':
      return textWidget(question, promptId, send)
    case 'multiple_choice':
      return question.content.single ? singleChoiceWidget(question, promptId, send) : multiSelectWidget(question, promptId, send)
    default:
      return unreachable(question)
  }
}

/**
 * Shared state of a widget: its controls, the countdown and status line that `footer` holds, and
 * the one-way trips to locked (done) and out of time.
 */
function widgetFrame(kind: string, question: Question) {
  const status = h('p', { class: 'answer-status', role: 'status' })
  const form = h('form', { class: `answer answer-${kind}`, novalidate: true })
  let done = false
  // The browser's clock says the deadline passed; the log's expiry record will settle the question.
  let timeUp = false
  const controls = () => Array.from(form.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button'))
  const setBusy = (busy: boolean) => {
    for (const control of controls()) control.disabled = busy || done || timeUp
  }
  const countdown = questionCountdown(question, () => {
    if (done) return
    timeUp = true
    setBusy(true)
  })
  const say = (text: string, tone: 'info' | 'error' = 'info') => {
    status.textContent = text
    status.classList.toggle('error', tone === 'error')
  }
  /** Sends, keeping the controls disabled unless the server refused and the question still waits. */
  const submit = async (answer: Answer, send: SendAnswer) => {
    if (done) return
    setBusy(true)
    say('Sending…')
    const outcome = await send(answer)
    // Settled while the answer was on its way: what the log says stands.
    if (done) return
    if (outcome.ok) {
      say('Sent')
      return
    }
    say(outcome.error, 'error')
    if (outcome.stillPending) setBusy(false)
  }
  const finish = (text: string, tone: 'answered' | 'closed' | 'expired') => {
    done = true
    countdown?.stop()
    setBusy(true)
    form.classList.add(tone)
    form.setAttribute('aria-disabled', 'true')
    say(text)
  }
  const expire = ({ on_timeout, answer }: QuestionExpiry) =>
    finish(
      on_timeout === 'error' || answer === null
        ? 'Expired without an answer'
        : `Expired — ${describeDefault(answer, isMasked(question))} was taken`,
      'expired',
    )
  return { form, footer: countdown ? [countdown.element, status] : [status], submit, finish, expire, say }
}

function textWidget(question: MessageOf<'text_input'>, promptId: string, send: SendAnswer): QuestionWidget {
  const { prompt, suggestions, password, default: preferred } = question.content
  const frame = widgetFrame('text', question)
  const inputId = uid('answer')
  const input = h('input', {
    id: inputId,
    type: password ? 'password' : 'text',
    autocomplete: password ? 'off' : 'on',
    'aria-labelledby': promptId,
    placeholder: password ? 'Hidden as you type' : 'Type your answer',
    enterkeyhint: 'send',
    // The answer taken at the deadline, offered to start from; a password default is never shown.
    value: password ? null : preferred,
  })
  const row = h('div', { class: 'answer-row' }, input, h('button', { type: 'submit', class: 'button primary' }, 'Send'))
  const chips =
    suggestions.length > 0
      ? h(
          'div',
          { class: 'suggestions', role: 'group', 'aria-label': `Suggested answers to “${prompt}”` },
          ...suggestions.map((suggestion) =>
            h('button', { type: 'button', class: 'chip', onclick: () => void frame.submit(suggestion, send) }, suggestion),
          ),
        )
      : null
  frame.form.append(row, ...(chips ? [chips] : []), ...frame.footer)
  frame.form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (input.value.trim() === '') {
      frame.say('Type an answer first', 'error')
      input.focus()
      return
    }
    void frame.submit(input.value, send)
  })
  return {
    element: frame.form,
    lock(answer) {
      // A password is never put back on the page; the input is only emptied.
      input.value = password ? '' : typeof answer === 'string' ? answer : answer.join(', ')
      frame.finish('Answered', 'answered')
    },
    close: (reason) => frame.finish(reason, 'closed'),
    expire: frame.expire,
    focus: () => input.focus(),
  }
}

function singleChoiceWidget(question: MessageOf<'multiple_choice'>, promptId: string, send: SendAnswer): QuestionWidget {
  const { choices, default: preferred } = question.content
  const frame = widgetFrame('single', question)
  const buttons = choices.map((choice) =>
    h(
      'button',
      { type: 'button', class: choice === preferred ? 'button primary' : 'button', onclick: () => void frame.submit(choice, send) },
      choice,
    ),
  )
  const group = h('div', { class: 'choices', role: 'group', 'aria-labelledby': promptId, tabindex: -1 }, ...buttons)
  frame.form.append(group, ...frame.footer)
  return {
    element: frame.form,
    lock(answer) {
      buttons.forEach((button, index) => {
        const chosen = answer === choices[index]
        button.classList.toggle('chosen', chosen)
        button.setAttribute('aria-pressed', String(chosen))
      })
      frame.finish('Answered', 'answered')
    },
    close: (reason) => frame.finish(reason, 'closed'),
    expire: frame.expire,
    focus: () => group.focus(),
  }
}

function multiSelectWidget(question: MessageOf<'multiple_choice'>, promptId: string, send: SendAnswer): QuestionWidget {
  const { choices, default: preferred } = question.content
  const frame = widgetFrame('multi', question)
  const boxes = choices.map((choice) => h('input', { type: 'checkbox', value: choice, checked: choice === preferred }))
  const group = h(
    'div',
    { class: 'checkboxes', role: 'group', 'aria-labelledby': promptId, tabindex: -1 },
    ...boxes.map((box, index) => h('label', { class: 'choice' }, box, ` ${choices[index] ?? ''}`)),
  )
  frame.form.append(
    group,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Send')),
    ...frame.footer,
  )
  frame.form.addEventListener('submit', (event) => {
    event.preventDefault()
    void frame.submit(
      boxes.filter((box) => box.checked).map((box) => box.value),
      send,
    )
  })
  return {
    element: frame.form,
    lock(answer) {
      const picked = new Set(typeof answer === 'string' ? [answer] : answer)
      for (const box of boxes) box.checked = picked.has(box.value)
      frame.finish('Answered', 'answered')
    },
    close: (reason) => frame.finish(reason, 'closed'),
    expire: frame.expire,
    focus: () => group.focus(),
  }
}
