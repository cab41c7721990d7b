import type { Answer, Message, MessageOf, Question, TextDelta } from './api.ts'
import { h, pretty, shortTime, uid } from './dom.ts'
import type { QuestionExpiry } from './question-expiry.ts'
import { describeDefault, isMasked, questionExpiryOf } from './question-expiry.ts'
import type { QuestionWidget, SendAnswer, SendOutcome } from './question-widgets.ts'
import { questionWidget } from './question-widgets.ts'

export interface MessageViewContext {
  /** The question a reply answers, when it is in the log (to mask a password, say). */
  questionOf(id: string): Question | undefined
  send(question: Question, answer: Answer): Promise<SendOutcome>
  /** How the run ended when `workflow_completed` carries no result: it failed or was cancelled. */
  ending(): RunEnding
}

/**
 * A run that ended without a result: failed (with the error the log recorded just before, when
 * there is one) or cancelled (with the reason the log recorded).
 */
export type RunEnding =
  | { kind: 'failed'; error: { short: string; long: string | null } | undefined }
  | { kind: 'cancelled'; reason: string | undefined }

export interface MessageView {
  element: HTMLLIElement
  /** Set for a question: the controls that answer it. */
  widget?: QuestionWidget
}

/** A question's card: its controls, and the id of its prompt (what labels them). */
export interface QuestionView extends MessageView {
  widget: QuestionWidget
  promptId: string
}

/** One message of the log as a list item; every type has its own look and a visible label. */
export function renderMessage(message: Message, context: MessageViewContext): MessageView {
  const item = (variant: string, ...children: (Node | null)[]) =>
    h(
      'li',
      { class: `msg msg-${message.type} ${variant}`, 'data-type': message.type, 'data-seq': message.seq, id: `msg-${message.seq}` },
      ...children,
    )
  switch (message.type) {
    case 'workflow_started': {
      const { name, description, params } = message.content
      return {
        element: item(
          'event',
          h('div', { class: 'event-line' }, h('span', { class: 'kind' }, 'Workflow started'), ' ', h('strong', {}, name), time(message)),
          h('p', { class: 'event-description' }, description),
          keyValues(params, 'params'),
        ),
      }
    }
    case 'text_message':
      return { element: item('bubble', head(message, null), h('div', { class: 'msg-body text' }, message.content.body)) }
    case 'system_message': {
      const expiry = questionExpiryOf(message)
      if (expiry) return { element: item('card expiry', head(message, 'Question expired'), ...expiryBody(expiry, context)) }
      return { element: item('card', head(message, 'System message'), keyValues(message.content.message, 'message')) }
    }
    case 'suggested_function_call':
      return {
        element: item('card tool', head(message, 'Suggested function call'), call(message.content, 'Arguments', message.content.arguments)),
      }
    case 'function_call_execution':
      return {
        element: item('card tool', head(message, 'Function call executed'), call(message.content, 'Returned', message.content.retval)),
      }
    case 'text_input':
    case 'multiple_choice':
      return questionView(message, (answer) => context.send(message, answer), item)
    case 'reply':
      return {
        element: item(
          'bubble mine',
          head(message, 'Your answer', 'You'),
          replyBody(message, context.questionOf(message.content.question_id)),
        ),
      }
    case 'error': {
      const { short, long } = message.content
      return {
        element: item(
          'card alert',
          head(message, 'Error'),
          h('p', { class: 'error-short' }, short),
          long ? h('details', { class: 'error-long' }, h('summary', {}, 'Details'), h('pre', {}, long)) : null,
        ),
      }
    }
    case 'workflow_completed': {
      const { result } = message.content
      // No result means the run failed or was cancelled: never the green "Result" card of a success.
      if (result === null) {
        const ending = context.ending()
        return { element: item(`event ended ended-${ending.kind}`, ...endingBody(message, ending)) }
      }
      return {
        element: item(
          'event result',
          h('div', { class: 'event-line' }, h('span', { class: 'kind' }, 'Result'), time(message)),
          h('p', { class: 'result-text' }, result),
        ),
      }
    }
    default: {
      // Every type of this contract is handled above (a missing case fails to compile); one from a
      // newer server is shown raw rather than stopping the conversation.
      const newer: never = message
      return { element: rawView(newer) }
    }
  }
}

function rawView(message: unknown): HTMLLIElement {
  const fields = typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : {}
  return h(
    'li',
    { class: 'msg card', 'data-type': String(fields.type), 'data-seq': String(fields.seq) },
    h('div', { class: 'msg-head' }, h('span', { class: 'kind' }, String(fields.type))),
    h('pre', { class: 'mono' }, pretty(fields.content)),
  )
}

/**
 * A question on its own, outside its run's log (the inbox): the same card, prompt, controls and
 * countdown as in the conversation, as a list item without the log's seq anchor.
 */
export function renderQuestion(message: Question, send: SendAnswer): QuestionView {
  const item = (variant: string, ...children: (Node | null)[]) =>
    h('li', { class: `msg msg-${message.type} ${variant}`, 'data-type': message.type }, ...children)
  return questionView(message, send, item)
}

function questionView(
  message: Question,
  send: SendAnswer,
  item: (variant: string, ...children: (Node | null)[]) => HTMLLIElement,
): QuestionView {
  const promptId = uid('prompt')
  const widget = questionWidget(message, promptId, send)
  const label = message.type === 'text_input' ? 'Question' : message.content.single ? 'Question · pick one' : 'Question · pick any'
  const element = item(
    'card question',
    head(message, label),
    h('p', { class: 'prompt', id: promptId }, message.content.prompt),
    widget.element,
  )
  return { element, widget, promptId }
}

/** Sender → recipient, an optional label of the message kind, and the time. */
/**
 * An agent's reply while its model writes it (token streaming): a bubble like the `text_message`
 * it becomes, marked as being written; `append` adds text, `restart` empties it (a retried generation).
 */
export function renderDraft(delta: TextDelta): { element: HTMLLIElement; append(text: string): void; restart(): void } {
  const body = h('div', { class: 'msg-body text' })
  const element = h(
    'li',
    { class: 'msg msg-draft bubble', 'data-type': 'text_delta', 'data-ref': delta.message_ref, 'aria-busy': 'true' },
    h('div', { class: 'msg-head' }, ...addressingOf(delta.sender ?? '', delta.recipient), h('span', { class: 'kind writing' }, 'writing…')),
    body,
  )
  return {
    element,
    append: (text) => body.append(text),
    restart: () => body.replaceChildren(),
  }
}

/** Avatar, sender → recipient: the start of every message's head (and of a reply being written). */
function addressingOf(sender: string, recipient: string | null): (HTMLElement | null)[] {
  return [
    sender ? h('span', { class: `avatar hue-${hueOf(sender)}`, 'aria-hidden': 'true' }, initialOf(sender)) : null,
    sender ? h('span', { class: 'sender' }, sender) : null,
    recipient ? h('span', { class: 'arrow', 'aria-label': 'to' }, '→') : null,
    recipient ? h('span', { class: 'recipient' }, recipient) : null,
  ]
}

function head(message: Message, kind: string | null, fallbackSender = ''): HTMLElement {
  return h(
    'div',
    { class: 'msg-head' },
    ...addressingOf(message.sender ?? fallbackSender, message.recipient),
    kind ? h('span', { class: 'kind' }, kind) : null,
    message.auto_reply ? h('span', { class: 'tag' }, 'auto-reply') : null,
    time(message),
  )
}

function time(message: Message): HTMLElement {
  return h('time', { datetime: message.created_at, title: new Date(message.created_at).toLocaleString() }, shortTime(message.created_at))
}

function call(content: { function_name: string; call_id: string }, label: string, value: unknown): HTMLElement {
  return h(
    'div',
    { class: 'msg-body' },
    h(
      'p',
      { class: 'call-line' },
      h('code', { class: 'function-name' }, content.function_name),
      ' ',
      h('span', { class: 'call-id' }, `call id ${content.call_id}`),
    ),
    h('div', { class: 'call-value' }, h('span', { class: 'value-label' }, label), h('pre', { class: 'mono' }, pretty(value))),
  )
}

const INLINE_JSON_MAX = 100

/** An object as a definition list: text as is, small structures as one line of JSON, big ones pretty-printed. */
function keyValues(value: Record<string, unknown>, what: string): HTMLElement {
  const entries = Object.entries(value)
  if (entries.length === 0) return h('p', { class: 'muted small' }, `no ${what}`)
  return h('dl', { class: 'kv' }, ...entries.flatMap(([key, entry]) => [h('dt', {}, key), h('dd', {}, valueView(entry))]))
}

function valueView(value: unknown): Node | string {
  if (typeof value === 'string') return value
  if (value === null || typeof value !== 'object') return String(value)
  const compact = JSON.stringify(value)
  return compact.length <= INLINE_JSON_MAX ? h('code', {}, compact) : h('pre', { class: 'mono' }, pretty(value))
}

/** Which question ran out of time (when it is in the log) and what the run got instead of a reply. */
function expiryBody({ question_id, on_timeout, answer }: QuestionExpiry, context: MessageViewContext): HTMLElement[] {
  const question = context.questionOf(question_id)
  const outcome =
    on_timeout === 'error' || answer === null
      ? 'Nobody answered in time; the run was told so.'
      : `Nobody answered in time; ${describeDefault(answer, isMasked(question))} was taken.`
  return [
    ...(question ? [h('p', { class: 'expired-prompt' }, `“${question.content.prompt}”`)] : []),
    h('p', { class: 'msg-body expiry-outcome' }, outcome),
  ]
}

/** What the closing card of a run that ended without a result says: failed and why, or cancelled. */
function endingBody(message: Message, ending: RunEnding): HTMLElement[] {
  const line = (kind: string) => h('div', { class: 'event-line' }, h('span', { class: 'kind' }, kind), time(message))
  if (ending.kind === 'cancelled') {
    const reason = ending.reason ? ` (${ending.reason})` : ''
    return [line('Cancelled'), h('p', { class: 'ended-reason' }, `The run was stopped before it finished${reason}.`)]
  }
  const { error } = ending
  return [
    line('Failed'),
    h('p', { class: 'ended-reason' }, error ? error.short : 'The run failed without a result.'),
    ...(error?.long ? [h('details', { class: 'error-long' }, h('summary', {}, 'Details'), h('pre', {}, error.long))] : []),
  ]
}

function replyBody(message: MessageOf<'reply'>, question: Question | undefined): HTMLElement {
  const { answer } = message.content
  // The server records a password answer masked (••••••••); the page never shows a password reply's text either.
  if (question?.type === 'text_input' && question.content.password) return h('div', { class: 'msg-body text masked' }, '•••••••• (hidden)')
  if (typeof answer === 'string') return h('div', { class: 'msg-body text' }, answer)
  if (answer.length === 0) return h('div', { class: 'msg-body text muted' }, 'none of them')
  return h('ul', { class: 'msg-body picked' }, ...answer.map((choice) => h('li', {}, choice)))
}

function initialOf(name: string): string {
  return [...name.replace(/[^\p{L}\p{N}]/gu, '')][0]?.toUpperCase() ?? '?'
}

/** A stable colour per name (6 hues in the stylesheet), so each agent keeps its colour. */
function hueOf(name: string): number {
  let hash = 0
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0
  return hash % 6
}
