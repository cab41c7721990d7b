/** The agent runtime: two-agent chats on the `openai` package (or the offline model), with tools and human input. */

export type { ChatCompletion, ChatMessage, ChatModel, ChatRequest, ToolCall, ToolSpec } from '../llm/chat-model.ts'
export type { LlmOptions } from '../llm/llm-config.ts'
export { LlmError } from '../llm/openai-model.ts'
export type { WorkflowLlm } from '../runtime/workflow-llm.ts'
export type { AgentOptions, HumanInputMode } from './agent.ts'
export { Agent, endsWithTerminate } from './agent.ts'
export type { Tool, ToolContext } from './tool.ts'
export { defineTool } from './tool.ts'
export type { ChatResult, ChatTurn, RunChatOptions, StopReason } from './two-agent-chat.ts'
