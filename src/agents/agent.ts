import type { ChatModel } from '../llm/chat-model.ts'
import type { LlmOptions, ResolvedLlm } from '../llm/llm-config.ts'
import { createChatModel, OFFLINE_LLM_SETTINGS, resolveLlm } from '../llm/llm-config.ts'
import { activeRun } from '../runtime/run-scope.ts'
import type { Tool } from './tool.ts'
import type { ChatResult, ChatTurn, RunChatOptions } from './two-agent-chat.ts'
import { runTwoAgentChat } from './two-agent-chat.ts'

/**
 * When an agent asks the human (AutoGen's modes): `always` before each of its replies (empty
 * = let the model answer, `exit` = end the chat); `terminate` only when it receives a
 * termination message; `never` not at all.
 */
export type HumanInputMode = 'always' | 'terminate' | 'never'

export interface AgentOptions {
  /** Shown as the sender and recipient of the agent's messages, e.g. `Teacher_Agent`. */
  name: string
  systemMessage?: string
  /** Model settings (defaults from the environment), or `false` for an agent with no model (a human proxy). */
  llm?: LlmOptions | false
  /** Functions the model may call; each call is logged as `suggested_function_call` and `function_call_execution`. */
  tools?: readonly Tool[]
  /** Default `never`. */
  humanInput?: HumanInputMode
  /** Whether a message it receives ends the chat; default: the text ends with "TERMINATE". */
  isTermination?: (message: ChatTurn) => boolean
  /** What an agent without a model says when no human answers for it (default "Continue."). */
  defaultAutoReply?: string
}

const DEFAULT_SYSTEM_MESSAGE = 'You are a helpful AI assistant.'

/** AutoGen's default termination test. */
export function endsWithTerminate(message: ChatTurn): boolean {
  return message.content.trimEnd().endsWith('TERMINATE')
}

/**
 * An LLM agent, as in AutoGen: a name, a system message, a model, tools and a human-input
 * mode. Two agents talk with `a.run(b, { message })` from inside a workflow; every turn
 * lands in the run's message log as it happens.
 *
 * @example
 * const student = new Agent({ name: 'Student_Agent', systemMessage: 'You are a student willing to learn.' })
 * const teacher = new Agent({ name: 'Teacher_Agent', systemMessage: 'You are a math teacher.' })
 * const chat = await student.run(teacher, { message: 'Teach me fractions', maxTurns: 3, summary: 'reflection' })
 * return chat.summary
 */
export class Agent {
  readonly name: string
  readonly systemMessage: string
  readonly tools: readonly Tool[]
  readonly humanInput: HumanInputMode
  readonly defaultAutoReply: string
  readonly #llm: LlmOptions | false
  readonly #isTermination: (message: ChatTurn) => boolean
  #model: { model: ChatModel; llm: ResolvedLlm } | undefined

  constructor(options: AgentOptions) {
    if (options.name.trim() === '') throw new TypeError('an agent needs a name')
    const names = new Set<string>()
    for (const tool of options.tools ?? []) {
      if (names.has(tool.name)) throw new TypeError(`agent "${options.name}" has two tools named "${tool.name}"`)
      names.add(tool.name)
    }
    this.name = options.name
    this.systemMessage = options.systemMessage ?? DEFAULT_SYSTEM_MESSAGE
    this.tools = options.tools ?? []
    this.humanInput = options.humanInput ?? 'never'
    this.defaultAutoReply = options.defaultAutoReply ?? 'Continue.'
    this.#llm = options.llm ?? {}
    this.#isTermination = options.isTermination ?? endsWithTerminate
  }

  /** Whether this agent has a model (`llm` is not `false`). */
  get hasModel(): boolean {
    return this.#llm !== false
  }

  isTermination(message: ChatTurn): boolean {
    return this.#isTermination(message)
  }

  /**
   * The agent's model, resolved from its settings over the deployment's (the running workflow's
   * `llm` settings, passed down from `createApp` / `createWorker`) on first use, or null for an
   * agent without one. Outside a run, only its own settings count (the offline model without them).
   */
  model(): { model: ChatModel; llm: ResolvedLlm } | null {
    if (this.#llm === false) return null
    if (!this.#model) {
      const llm = resolveLlm(this.#llm, activeRun()?.llm() ?? OFFLINE_LLM_SETTINGS)
      this.#model = { model: createChatModel(llm), llm }
    }
    return this.#model
  }

  /**
   * Starts a two-agent chat: this agent sends `message` to `other`, then they take turns
   * until `maxTurns` exchanges, a termination message or a human's "exit". Call it from a
   * workflow's `run` (it writes to that run's log and stops when the run is cancelled).
   */
  run(other: Agent, options: RunChatOptions): Promise<ChatResult> {
    return runTwoAgentChat(this, other, options)
  }
}
