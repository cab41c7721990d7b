import { h, uid } from './dom.ts'

export interface ConfirmPromptOptions {
  /** The question, e.g. “Cancel this run?”. */
  question: string
  /** The label of the button that goes ahead, e.g. “Yes, cancel the run”. */
  confirm: string
  /** The label of the button that backs out, e.g. “Keep it running”. */
  keep: string
}

/** An in-page confirmation: hidden until asked, answered by one of its two buttons. */
export interface ConfirmPrompt {
  readonly element: HTMLElement
  /** Shows the prompt with the focus on “keep”; true when the user chose to go ahead. */
  ask(): Promise<boolean>
  /** Withdraws an open prompt as if kept (the question no longer applies). */
  dismiss(): void
}

/**
 * A confirmation shown in place (`role="alertdialog"`), not `window.confirm`: it is styled like
 * the page, does not block the page's long-poll, and can be withdrawn when the run finishes first.
 * The focus starts on the safe choice, so Enter or Escape backs out; going ahead takes the other button.
 */
export function confirmPrompt(options: ConfirmPromptOptions): ConfirmPrompt {
  const questionId = uid('confirm')
  const keep = h('button', { type: 'button', class: 'button' }, options.keep)
  const confirm = h('button', { type: 'button', class: 'button danger' }, options.confirm)
  const element = h(
    'div',
    { class: 'confirm-prompt', role: 'alertdialog', 'aria-labelledby': questionId, hidden: true },
    h('span', { id: questionId, class: 'confirm-question' }, options.question),
    confirm,
    keep,
  )
  let settle: ((yes: boolean) => void) | undefined

  const close = (yes: boolean) => {
    element.hidden = true
    const done = settle
    settle = undefined
    done?.(yes)
  }
  confirm.addEventListener('click', () => close(true))
  keep.addEventListener('click', () => close(false))
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close(false)
  })

  return {
    element,
    ask() {
      close(false)
      element.hidden = false
      keep.focus()
      return new Promise((resolve) => {
        settle = resolve
      })
    },
    dismiss: () => close(false),
  }
}
