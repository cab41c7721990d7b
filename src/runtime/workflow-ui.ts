import type { Answer, ContentOf, Message, MessageDraft } from '../schemas/messages.ts'

/** Who a message is from and to; both optional, as in FastAgency. */
export interface Addressing {
  sender?: string | null
  recipient?: string | null
  auto_reply?: boolean
}

type Input<T extends Message['type']> = ContentOf<T> & Addressing

export interface TextInputOptions extends Addressing {
  prompt: string
  suggestions?: string[]
  password?: boolean
}

export interface MultipleChoiceOptions extends Addressing {
  prompt: string
  choices: string[]
  default?: string | null
}

/**
 * How a workflow talks to its client. Every call lands in the run's message log; questions
 * wait until the client replies (or the run is cancelled).
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

/** What the ui writes through: the runtime's handle on one run. */
export interface RunChannel {
  emit(draft: MessageDraft): Promise<Message>
  ask(draft: Extract<MessageDraft, { type: 'text_input' | 'multiple_choice' }>): Promise<Answer>
}

/** The envelope fields of a message, with the defaults FastAgency uses. */
function addressing(input: Addressing) {
  return { sender: input.sender ?? null, recipient: input.recipient ?? null, auto_reply: input.auto_reply ?? false }
}

export function createWorkflowUI(channel: RunChannel): WorkflowUI {
  async function multipleChoice(input: MultipleChoiceOptions & { single?: boolean }): Promise<string | string[]> {
    if (input.choices.length === 0) throw new TypeError('multipleChoice needs at least one choice')
    const content = { prompt: input.prompt, choices: input.choices, default: input.default ?? null, single: input.single ?? true }
    return channel.ask({ type: 'multiple_choice', content, ...addressing(input) })
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
      const content = { prompt: input.prompt, suggestions: input.suggestions ?? [], password: input.password ?? false }
      return String(await channel.ask({ type: 'text_input', content, ...addressing(input) }))
    },
    multipleChoice: multipleChoice as WorkflowUI['multipleChoice'],
  }
}
