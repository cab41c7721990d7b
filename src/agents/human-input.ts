import type { WorkflowUI } from '../runtime/workflow-ui.ts'
import type { Agent } from './agent.ts'
import type { ChatTurn, StopReason } from './two-agent-chat.ts'

/** What the human (or the agent's mode) decided about the agent's next reply. */
export type HumanDecision =
  | { kind: 'auto' } // let the agent's model answer
  | { kind: 'reply'; content: string } // the human's words are the reply
  | { kind: 'stop'; reason: StopReason }

const EXIT = 'exit'

/**
 * AutoGen's human-input modes, before `agent` answers `incoming`. The question is addressed to
 * the agent the human speaks for (its reply is recorded from that agent) and comes from the
 * agent being answered.
 */
export async function consultHuman(agent: Agent, partner: Agent, incoming: ChatTurn, ui: WorkflowUI): Promise<HumanDecision> {
  const terminating = agent.isTermination(incoming)
  const ask = async (prompt: string) => {
    const answer = await ui.textInput({ prompt, suggestions: [EXIT], sender: partner.name, recipient: agent.name })
    return answer.trim()
  }
  switch (agent.humanInput) {
    case 'never':
      return terminating ? { kind: 'stop', reason: 'termination' } : { kind: 'auto' }
    case 'terminate': {
      if (!terminating) return { kind: 'auto' }
      const answer = await ask(`Please give feedback to ${partner.name}. Press enter or type '${EXIT}' to stop the conversation.`)
      if (answer === '' || answer.toLowerCase() === EXIT) return { kind: 'stop', reason: answer === '' ? 'termination' : 'human_exit' }
      return { kind: 'reply', content: answer }
    }
    case 'always': {
      const answer = await ask(
        `Replying as ${agent.name}. Provide feedback to ${partner.name}. Press enter to skip and use auto-reply, or type '${EXIT}' to end the conversation.`,
      )
      if (answer.toLowerCase() === EXIT) return { kind: 'stop', reason: 'human_exit' }
      if (answer === '') return terminating ? { kind: 'stop', reason: 'termination' } : { kind: 'auto' }
      return { kind: 'reply', content: answer }
    }
    default: {
      const unreachable: never = agent.humanInput
      throw new TypeError(`unknown human input mode ${String(unreachable)}`)
    }
  }
}
