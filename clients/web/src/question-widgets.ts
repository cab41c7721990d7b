import type { Answer, MessageOf, Question } from './api.ts'
import { unreachable } from './assert.ts'
import { h, uid } from './dom.ts'

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
  focus(): void
}

/** The widget for a question: text input (suggestions, password masking), single choice, or multi-select. */
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

/** Shared state of a widget: its controls, a status line, and the one-way trip to locked. */
function widgetFrame(kind: string) {
  const status = h('p', { class: 'answer-status', role: 'status' })
  const form = h('form', { class: `answer answer-${kind}`, novalidate: true })
  let done = false
  const controls = () => Array.from(form.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button'))
  const setBusy = (busy: boolean) => {
    for (const control of controls()) control.disabled = busy || done
  }
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
    if (outcome.ok) {
      if (!done) say('Sent')
      return
    }
    say(outcome.error, 'error')
    if (outcome.stillPending) setBusy(false)
  }
  const finish = (text: string, tone: 'answered' | 'closed') => {
    done = true
    setBusy(true)
    form.classList.add(tone)
    form.setAttribute('aria-disabled', 'true')
    say(text)
  }
  return { form, status, submit, finish, say, isDone: () => done }
}

function textWidget(question: MessageOf<'text_input'>, promptId: string, send: SendAnswer): QuestionWidget {
  const { prompt, suggestions, password } = question.content
  const frame = widgetFrame('text')
  const inputId = uid('answer')
  const input = h('input', {
    id: inputId,
    type: password ? 'password' : 'text',
    autocomplete: password ? 'off' : 'on',
    'aria-labelledby': promptId,
    placeholder: password ? 'Hidden as you type' : 'Type your answer',
    enterkeyhint: 'send',
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
  frame.form.append(row, ...(chips ? [chips] : []), frame.status)
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
    focus: () => input.focus(),
  }
}

function singleChoiceWidget(question: MessageOf<'multiple_choice'>, promptId: string, send: SendAnswer): QuestionWidget {
  const { choices, default: preferred } = question.content
  const frame = widgetFrame('single')
  const buttons = choices.map((choice) =>
    h(
      'button',
      { type: 'button', class: choice === preferred ? 'button primary' : 'button', onclick: () => void frame.submit(choice, send) },
      choice,
    ),
  )
  frame.form.append(h('div', { class: 'choices', role: 'group', 'aria-labelledby': promptId }, ...buttons), frame.status)
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
    focus: () => (buttons[Math.max(0, preferred === null ? 0 : choices.indexOf(preferred))] ?? buttons[0])?.focus(),
  }
}

function multiSelectWidget(question: MessageOf<'multiple_choice'>, promptId: string, send: SendAnswer): QuestionWidget {
  const { choices, default: preferred } = question.content
  const frame = widgetFrame('multi')
  const boxes = choices.map((choice) => h('input', { type: 'checkbox', value: choice, checked: choice === preferred }))
  frame.form.append(
    h(
      'div',
      { class: 'checkboxes', role: 'group', 'aria-labelledby': promptId },
      ...boxes.map((box, index) => h('label', { class: 'choice' }, box, ` ${choices[index] ?? ''}`)),
    ),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Send')),
    frame.status,
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
    focus: () => boxes[0]?.focus(),
  }
}
