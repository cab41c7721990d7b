import type { ChatMessage } from '../llm/chat-model.ts'
import { NO_USAGE } from '../llm/chat-model.ts'
import type { ReplyStream } from '../runtime/reply-stream.ts'
import { currentRun } from '../runtime/run-scope.ts'
import type { Usage } from '../schemas/runs.ts'
import { addUsage } from '../schemas/runs.ts'
import type { Agent } from './agent.ts'
import { generateModelReply } from './agent-reply.ts'
import { DEFAULT_SUMMARY_PROMPT, summarizeChat } from './chat-summary.ts'
import { consultHuman } from './human-input.ts'

/** One message of a chat, from one agent to the other. */
export interface ChatTurn {
  sender: string
  recipient: string
  content: string
}

export interface RunChatOptions {
  /** The opening message, sent by the agent that starts the chat. */
  message: string
  /** Exchanges (the starter's message and the other's reply) before the chat stops; default 100. */
  maxTurns?: number
  /** `last` (default): the last message; `reflection`: a model writes the takeaway. */
  summary?: 'last' | 'reflection'
  summaryPrompt?: string
  /** Ask the human (Approve / Reject / Exit) before each tool call is executed. */
  approveTools?: boolean
}

export type StopReason = 'max_turns' | 'termination' | 'human_exit'

export interface ChatResult {
  summary: string
  /** The messages the two agents exchanged, in order (tool traffic is in the run's log). */
  history: ChatTurn[]
  /** Tokens this chat used (the run's `usage` counts them too). */
  usage: Usage
  stopReason: StopReason
}

/** A chat message, or tool traffic only its owner's model sees again. */
type Entry = { turn: ChatTurn } | { owner: string; message: ChatMessage }

const TURN_LIMIT = 100

/** The loop behind `Agent#run`: AutoGen's `initiate_chat` between two agents, logged into the current run. */
export async function runTwoAgentChat(initiator: Agent, partner: Agent, options: RunChatOptions): Promise<ChatResult> {
  if (initiator.name === partner.name) throw new TypeError(`both agents are named "${initiator.name}"; give them distinct names`)
  const maxTurns = options.maxTurns ?? TURN_LIMIT
  if (!Number.isInteger(maxTurns) || maxTurns < 1) throw new TypeError(`maxTurns must be a whole number ≥ 1, not ${maxTurns}`)
  const scope = currentRun()
  const entries: Entry[] = []
  const history: ChatTurn[] = []
  let usage = NO_USAGE
  const countUsage = (more: Usage) => {
    usage = addUsage(usage, more)
  }
  /** Logs a turn: a streamed reply as the message its deltas announced, anything else as a new one. */
  const say = async (turn: ChatTurn, stream: ReplyStream | null = null): Promise<ChatTurn> => {
    if (stream) await stream.say(turn.content)
    else await scope.ui.textMessage({ body: turn.content, sender: turn.sender, recipient: turn.recipient })
    entries.push({ turn })
    history.push(turn)
    return turn
  }

  let incoming = await say({ sender: initiator.name, recipient: partner.name, content: options.message })
  let turns = 1
  let [speaker, listener] = [partner, initiator]
  let stopReason: StopReason = 'max_turns'
  for (;;) {
    const decision = await consultHuman(speaker, listener, incoming, scope.ui)
    let content: string
    let stream: ReplyStream | null = null
    if (decision.kind === 'stop') {
      stopReason = decision.reason
      break
    } else if (decision.kind === 'reply') {
      content = decision.content
    } else {
      const reply = await generateModelReply(speaker, viewOf(speaker, entries), {
        scope,
        partner: listener,
        approveTools: options.approveTools ?? false,
        countUsage,
      })
      entries.push(...reply.toolTraffic.map((message) => ({ owner: speaker.name, message })))
      if (reply.kind === 'exit') {
        stopReason = 'human_exit'
        break
      }
      content = reply.content
      stream = reply.stream
    }
    incoming = await say({ sender: speaker.name, recipient: listener.name, content }, stream)
    if (speaker === partner && turns >= maxTurns) break
    if (speaker === initiator) turns++
    ;[speaker, listener] = [listener, speaker]
  }

  const summary = await summarizeChat({
    method: options.summary ?? 'last',
    prompt: options.summaryPrompt ?? DEFAULT_SUMMARY_PROMPT,
    initiator,
    partner,
    history,
    perform: scope.perform,
    countUsage,
  })
  return { summary, history, usage, stopReason }
}

/** The chat as `agent`'s model sees it: its own messages as `assistant`, the other's as `user`. */
function viewOf(agent: Agent, entries: Entry[]): ChatMessage[] {
  const view: ChatMessage[] = [{ role: 'system', content: agent.systemMessage }]
  for (const entry of entries) {
    if ('turn' in entry) {
      view.push(
        entry.turn.sender === agent.name
          ? { role: 'assistant', content: entry.turn.content }
          : { role: 'user', content: entry.turn.content },
      )
    } else if (entry.owner === agent.name) {
      view.push(entry.message)
    }
  }
  return view
}
