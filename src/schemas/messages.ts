import { z } from '@hono/zod-openapi'

/**
 * The message log of a run. Wire names follow FastAgency's so its users feel at home;
 * every type is a named component and `MessageSchema` is a union discriminated on `type`.
 */

const JsonObjectSchema = z.record(z.string(), z.unknown())

export const TextMessageContentSchema = z
  .object({ body: z.string().describe('The text an agent (or the workflow) said') })
  .openapi('TextMessageContent')

export const SystemMessageContentSchema = z
  .object({ message: JsonObjectSchema.describe('Free-form structured information for the client') })
  .openapi('SystemMessageContent')

export const SuggestedFunctionCallContentSchema = z
  .object({
    function_name: z.string(),
    call_id: z.string(),
    arguments: JsonObjectSchema,
  })
  .openapi('SuggestedFunctionCallContent')

export const FunctionCallExecutionContentSchema = z
  .object({
    function_name: z.string(),
    call_id: z.string(),
    retval: z.unknown().describe('What the function returned (or the error it threw, as text)'),
  })
  .openapi('FunctionCallExecutionContent')

/**
 * What every question has: when it stops taking replies and what the run does then (both null
 * without a deadline), and who besides the run's owner may answer it.
 */
const deadline = {
  expires_at: z.iso
    .datetime()
    .nullable()
    .describe('When the question expires; a reply after this is refused (409 `question_expired`). Null: no deadline'),
  on_timeout: z
    .enum(['default', 'error'])
    .nullable()
    .describe('At expiry the workflow gets the default answer (`default`) or a QuestionExpiredError (`error`); null without a deadline'),
  assignees: z
    .array(z.string())
    .optional()
    .describe(
      'Users besides the run’s owner who may answer this question (user ids as the server’s auth knows them): they find it ' +
        'in their inbox (`listQuestions`) and reply to it, and see nothing else of the run. Absent: the owner alone',
    ),
}

export const TextInputContentSchema = z
  .object({
    prompt: z.string(),
    suggestions: z.array(z.string()).describe('Answers the client may offer with one click'),
    password: z
      .boolean()
      .describe(
        'When true the client masks what the user types, and the `reply` message records the answer as `••••••••` (always eight bullets)',
      ),
    default: z.string().nullable().describe('The answer the run takes if the question expires with `on_timeout: default`'),
    ...deadline,
  })
  .openapi('TextInputContent')

export const MultipleChoiceContentSchema = z
  .object({
    prompt: z.string(),
    choices: z.array(z.string()).min(1),
    default: z
      .string()
      .nullable()
      .describe('The choice preselected by the client, if any; the answer taken at expiry with `on_timeout: default`'),
    single: z.boolean().describe('true: exactly one answer (a string); false: any subset (a string[])'),
    ...deadline,
  })
  .openapi('MultipleChoiceContent')

export const AnswerSchema = z
  .union([z.string(), z.array(z.string())])
  .openapi('Answer', { description: 'A string, or a string[] for a multi-select question' })

export const ReplyContentSchema = z
  .object({
    question_id: z.string().describe('The `id` of the question message this answers'),
    answer: AnswerSchema,
    answered_by: z
      .string()
      .optional()
      .describe(
        'The user who answered: the run’s owner or one of the question’s `assignees` (absent on replies recorded before it was kept)',
      ),
  })
  .openapi('ReplyContent')

export const ErrorContentSchema = z.object({ short: z.string(), long: z.string().nullable() }).openapi('ErrorContent')

export const WorkflowStartedContentSchema = z
  .object({ name: z.string(), description: z.string(), params: JsonObjectSchema })
  .openapi('WorkflowStartedContent')

export const WorkflowCompletedContentSchema = z
  .object({ result: z.string().nullable().describe('The workflow’s result; null when it failed or was cancelled') })
  .openapi('WorkflowCompletedContent')

const envelope = {
  id: z.string().describe('Unique message id; for a question, what a reply names as `question_id`'),
  seq: z.int().min(1).describe('Position in the run’s log: 1, 2, 3 … — the client’s cursor'),
  run_id: z.string(),
  sender: z.string().nullable(),
  recipient: z.string().nullable(),
  auto_reply: z.boolean(),
  created_at: z.iso.datetime(),
}

function messageOf<T extends string, C extends z.ZodType>(type: T, content: C, name: string, description: string) {
  return z.object({ ...envelope, type: z.literal(type), content }).openapi(name, { description })
}

export const WorkflowStartedMessageSchema = messageOf(
  'workflow_started',
  WorkflowStartedContentSchema,
  'WorkflowStartedMessage',
  'First message of every run',
)
export const TextMessageSchema = messageOf('text_message', TextMessageContentSchema, 'TextMessage', 'Text from an agent or the workflow')
export const SystemMessageSchema = messageOf(
  'system_message',
  SystemMessageContentSchema,
  'SystemMessage',
  'Structured information for the client',
)
export const SuggestedFunctionCallMessageSchema = messageOf(
  'suggested_function_call',
  SuggestedFunctionCallContentSchema,
  'SuggestedFunctionCallMessage',
  'An agent proposes a tool call',
)
export const FunctionCallExecutionMessageSchema = messageOf(
  'function_call_execution',
  FunctionCallExecutionContentSchema,
  'FunctionCallExecutionMessage',
  'A tool call was executed',
)
export const TextInputMessageSchema = messageOf(
  'text_input',
  TextInputContentSchema,
  'TextInputMessage',
  'A question answered with free text',
)
export const MultipleChoiceMessageSchema = messageOf(
  'multiple_choice',
  MultipleChoiceContentSchema,
  'MultipleChoiceMessage',
  'A question answered by picking one or several choices',
)
export const ReplyMessageSchema = messageOf('reply', ReplyContentSchema, 'ReplyMessage', 'The recorded answer to a question')
export const ErrorMessageSchema = messageOf('error', ErrorContentSchema, 'ErrorMessage', 'Something went wrong')
export const WorkflowCompletedMessageSchema = messageOf(
  'workflow_completed',
  WorkflowCompletedContentSchema,
  'WorkflowCompletedMessage',
  'Last message of every run',
)

export const MessageSchema = z
  .discriminatedUnion('type', [
    WorkflowStartedMessageSchema,
    TextMessageSchema,
    SystemMessageSchema,
    SuggestedFunctionCallMessageSchema,
    FunctionCallExecutionMessageSchema,
    TextInputMessageSchema,
    MultipleChoiceMessageSchema,
    ReplyMessageSchema,
    ErrorMessageSchema,
    WorkflowCompletedMessageSchema,
  ])
  .openapi('Message')

export const QuestionSchema = z
  .discriminatedUnion('type', [TextInputMessageSchema, MultipleChoiceMessageSchema])
  .openapi('Question', { description: 'A message that expects a reply' })

export type Message = z.infer<typeof MessageSchema>
export type MessageType = Message['type']
export type Question = z.infer<typeof QuestionSchema>
export type Answer = z.infer<typeof AnswerSchema>
export type ErrorContent = z.infer<typeof ErrorContentSchema>
export type ContentOf<T extends MessageType> = Extract<Message, { type: T }>['content']

/** What the runtime hands the store; the store assigns `id`, `seq` and `created_at`. */
export type MessageDraft = {
  [T in MessageType]: {
    type: T
    content: ContentOf<T>
    sender: string | null
    recipient: string | null
    auto_reply: boolean
  }
}[MessageType]

/** The content schema of each message type, for checking what a workflow emits. */
export const CONTENT_SCHEMAS: { [T in MessageType]: z.ZodType<ContentOf<T>> } = {
  workflow_started: WorkflowStartedContentSchema,
  text_message: TextMessageContentSchema,
  system_message: SystemMessageContentSchema,
  suggested_function_call: SuggestedFunctionCallContentSchema,
  function_call_execution: FunctionCallExecutionContentSchema,
  text_input: TextInputContentSchema,
  multiple_choice: MultipleChoiceContentSchema,
  reply: ReplyContentSchema,
  error: ErrorContentSchema,
  workflow_completed: WorkflowCompletedContentSchema,
}

export function isQuestion(message: Message): message is Question {
  return message.type === 'text_input' || message.type === 'multiple_choice'
}

/** A piece of an agent's reply while the model writes it: sent live, never stored in the log. */
export const TextDeltaSchema = z
  .object({
    type: z.literal('text_delta'),
    message_ref: z.string().describe('Which reply this is part of: the `id` the complete `text_message` will have when it is stored'),
    index: z
      .int()
      .min(0)
      .describe(
        'Position of this delta in the reply, from 0. A 0 for a reply already begun means its generation started over (a retry): drop the text so far',
      ),
    delta: z.string().describe('The text to append'),
    sender: z.string().nullable(),
    recipient: z.string().nullable(),
  })
  .openapi('TextDelta', {
    description:
      'Text of an agent reply as the model generates it (token streaming). Deltas are live only: a client that connects ' +
      'late or resumes sees the stored messages, and the complete `text_message` whose `id` is `message_ref` replaces them.',
    example: {
      type: 'text_delta',
      message_ref: '7d0a9c4e-2f6b-4f1e-9a53-3c8b5e1d2a40',
      index: 0,
      delta: 'Happy to ',
      sender: 'Teacher_Agent',
      recipient: 'Student_Agent',
    },
  })

export type TextDelta = z.infer<typeof TextDeltaSchema>
