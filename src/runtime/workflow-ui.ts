import type { ContentOf, Message } from '../schemas/messages.ts'
import type { RunEffects } from './run-effects.ts'

/** Who a message is from and to; both optional, as in FastAgency. */
export interface Addressing {
  sender?: string | null
  recipient?: string | null
  auto_reply?: boolean
}

type Input<T extends Message['type']> = ContentOf<T> & Addressing

/** A question's deadline: after `timeout_seconds` it expires and takes no reply. */
export interface QuestionDeadlineOptions {
  /** Seconds until the question expires (its message carries `expires_at`); no deadline when omitted. */
  timeout_seconds?: number
  /**
   * At expiry: `error` (the default) throws QuestionExpiredError from the call; `default` returns
   * the question's default answer (a text input's `default`, '' without one; a multi-select's
   * `[default]` or `[]`; a single choice needs a `default`).
   */
  on_timeout?: 'default' | 'error'
  /**
   * Users besides the run's owner who may answer (user ids as the server's auth knows them): the
   * question is in their inbox (`GET /v1/questions`) and they may reply to it; nothing else of the
   * run is theirs to read. The owner can always answer.
   */
  assignees?: readonly string[]
}

export interface TextInputOptions extends Addressing, QuestionDeadlineOptions {
  prompt: string
  suggestions?: string[]
  password?: boolean
  /** What the client may prefill, and the answer taken at expiry with `on_timeout: 'default'`. */
  default?: string | null
}

export interface MultipleChoiceOptions extends Addressing, QuestionDeadlineOptions {
  prompt: string
  choices: string[]
  default?: string | null
}

/**
 * How a workflow talks to its client. Every call lands in the run's message log once, however
 * often the run is resumed; questions wait until the client replies, the question expires, or
 * the run is cancelled.
 */
export interface WorkflowUI {
  textMessage(input: Input<'text_message'>): Promise<Message>
  systemMessage(input: Input<'system_message'>): Promise<Message>
  suggestedFunctionCall(input: Input<'suggested_function_call'>): Promise<Message>
  functionCallExecution(input: Input<'function_call_execution'>): Promise<Message>
  error(input: { short: string; long?: string | null } & Addressing): Promise<Message>
  /** Asks for free text; resolves to what the user typed. */
  textInput(input: TextInputOptions): Promise<string>
  /** Asks for one choice (the default) or, with `single: false`, any subset of them. */
  multipleChoice(input: MultipleChoiceOptions & { single?: true }): Promise<string>
  multipleChoice(input: MultipleChoiceOptions & { single: false }): Promise<string[]>
  multipleChoice(input: MultipleChoiceOptions & { single?: boolean }): Promise<string | string[]>
}

/** The envelope fields of a message, with the defaults FastAgency uses. */
function addressing(input: Addressing) {
  return { sender: input.sender ?? null, recipient: input.recipient ?? null, auto_reply: input.auto_reply ?? false }
}

/** `assignees` as the question's content keeps it: only when there are some (a question without keeps the fields it always had). */
function audience(input: QuestionDeadlineOptions, what: string): { assignees?: string[] } {
  if (input.assignees === undefined) return {}
  if (!Array.isArray(input.assignees) || input.assignees.some((user) => typeof user !== 'string' || user.trim() === '')) {
    throw new TypeError(`${what}: assignees must be an array of user ids (non-empty strings)`)
  }
  const assignees = [...new Set(input.assignees)]
  return assignees.length === 0 ? {} : { assignees }
}

/** The deadline fields of a question's content, and its timeout; checked before anything is asked. */
function deadline(input: QuestionDeadlineOptions, what: string) {
  const seconds = input.timeout_seconds
  if (seconds === undefined) {
    if (input.on_timeout !== undefined) throw new TypeError(`${what}: on_timeout needs timeout_seconds`)
    return { timeoutSeconds: null, fields: { expires_at: null, on_timeout: null } }
  }
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new TypeError(`${what}: timeout_seconds must be a number of seconds > 0, not ${String(seconds)}`)
  }
  const onTimeout = input.on_timeout ?? 'error'
  if (onTimeout !== 'default' && onTimeout !== 'error') throw new TypeError(`${what}: on_timeout is 'default' or 'error'`)
  return { timeoutSeconds: seconds, fields: { expires_at: null, on_timeout: onTimeout } }
}

export function createWorkflowUI(channel: Pick<RunEffects, 'emit' | 'ask'>): WorkflowUI {
  async function multipleChoice(input: MultipleChoiceOptions & { single?: boolean }): Promise<string | string[]> {
    if (input.choices.length === 0) throw new TypeError('multipleChoice needs at least one choice')
    const single = input.single ?? true
    const { timeoutSeconds, fields } = deadline(input, 'multipleChoice')
    if (fields.on_timeout === 'default' && single && (input.default ?? null) === null) {
      throw new TypeError("multipleChoice: on_timeout 'default' on a single choice needs a default")
    }
    const content = {
      prompt: input.prompt,
      choices: input.choices,
      default: input.default ?? null,
      single,
      ...fields,
      ...audience(input, 'multipleChoice'),
    }
    return channel.ask({ type: 'multiple_choice', content, ...addressing(input) }, timeoutSeconds)
  }

  return {
    textMessage: (input) => channel.emit({ type: 'text_message', content: { body: input.body }, ...addressing(input) }),
    systemMessage: (input) => channel.emit({ type: 'system_message', content: { message: input.message }, ...addressing(input) }),
    suggestedFunctionCall: (input) =>
      channel.emit({
        type: 'suggested_function_call',
        content: { function_name: input.function_name, call_id: input.call_id, arguments: input.arguments },
        ...addressing(input),
      }),
    functionCallExecution: (input) =>
      channel.emit({
        type: 'function_call_execution',
        content: { function_name: input.function_name, call_id: input.call_id, retval: input.retval },
        ...addressing(input),
      }),
    error: (input) => channel.emit({ type: 'error', content: { short: input.short, long: input.long ?? null }, ...addressing(input) }),
    async textInput(input) {
      const { timeoutSeconds, fields } = deadline(input, 'textInput')
      const content = {
        prompt: input.prompt,
        suggestions: input.suggestions ?? [],
        password: input.password ?? false,
        default: input.default ?? null,
        ...fields,
        ...audience(input, 'textInput'),
      }
      return String(await channel.ask({ type: 'text_input', content, ...addressing(input) }, timeoutSeconds))
    },
    multipleChoice: multipleChoice as WorkflowUI['multipleChoice'],
  }
}
