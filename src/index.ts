/**
 * Parley: multi-agent LLM workflows behind a versioned, OpenAPI-first REST API.
 *
 * @example
 * import { createApp, defineWorkflow, serve } from 'parley-server'
 * const app = createApp({ workflows: [greet] })
 * await serve(app, { port: 8008 })
 */

export * from './agents/index.ts'
export type { CreateAppOptions, ParleyApp } from './http/app.ts'
export { createApp } from './http/app.ts'
export type { WebUIOptions } from './http/web-ui.ts'
export { mountWebUI } from './http/web-ui.ts'
export type { LlmSettings } from './llm/llm-config.ts'
export type { Workflow, WorkflowContext } from './runtime/define-workflow.ts'
export { defineWorkflow } from './runtime/define-workflow.ts'
export { QuestionExpiredError } from './runtime/errors.ts'
export type { FirstClaim, WorkerOptions } from './runtime/worker.ts'
export { createWorker, Worker } from './runtime/worker.ts'
export type { MultipleChoiceOptions, QuestionDeadlineOptions, TextInputOptions, WorkflowUI } from './runtime/workflow-ui.ts'
export type { Answer, Message, MessageType, Question } from './schemas/messages.ts'
export type { RunningServer, ServeOptions } from './server.ts'
export { serve } from './server.ts'
export { createMemoryStore } from './store/memory/memory-store.ts'
export type { PostgresStore, PostgresStoreOptions } from './store/postgres/postgres-store.ts'
export { createPostgresStore } from './store/postgres/postgres-store.ts'
export { SqliteFileInUseError } from './store/sqlite/file-lock.ts'
export { createSqliteStore } from './store/sqlite/sqlite-store.ts'
export type { Store } from './store/store.ts'
