import type { Answer, Message, MessageDraft, Question } from '../schemas/messages.ts'
import { CONTENT_SCHEMAS, isQuestion } from '../schemas/messages.ts'
import type { Usage } from '../schemas/runs.ts'
import type { EffectOutcome, EffectRecord, Lease, RunChange, Store } from '../store/store.ts'
import { RunFinishedError, StoreUnavailableError } from '../store/store.ts'
import { QuestionExpiredError, RunCancelledError } from './errors.ts'
import { yieldIfBusy } from './fair-share.ts'
import type { ClaimedEffect, EffectCall, RunJournal } from './journal.ts'
import { waitForAnswer } from './question-wait.ts'
import { describeThrown } from './run-drafts.ts'
import type { RunBudget } from './run-limits.ts'
import { jsonBytes } from './run-limits.ts'
import { sleepUntil } from './timers.ts'

export type QuestionDraft = Extract<MessageDraft, { type: 'text_input' | 'multiple_choice' }>

/** An effect done through `perform`, and how much LLM usage its result carries (added to `Run.usage` with it). */
export interface PerformCall<T> extends EffectCall {
  usage?: (result: T) => Usage
}

/**
 * Everything a run does to the world, journaled: each effect happens once per run, and a
 * resumed run gets the recorded result instead of doing it again (see journal.ts).
 */
export interface RunEffects {
  /** Appends a message to the log (once); `change` is applied to the run with it. */
  /** `id`: the message's, when chosen before (a streamed reply's); it is not part of the effect's fingerprint. */
  emit(draft: MessageDraft, change?: RunChange, id?: string): Promise<Message>
  /** Asks a question (once) and waits for its answer, its expiry or the run's end. */
  ask(draft: QuestionDraft, timeoutSeconds: number | null): Promise<Answer>
  /**
   * Runs `work` once: its JSON result (or what it threw) is journaled, and a resumed run gets that
   * back without running it again. An effect cut off by a crash or a stop runs again (at least once).
   */
  perform<T>(call: PerformCall<T>, work: (signal: AbortSignal) => T | Promise<T>): Promise<T>
  /** A durable timer: the wake-up time is journaled, so a restart waits only for what is left. */
  sleep(ms: number): Promise<void>
}

/** What a worker learns of the run it executes: when it waits (a question, a sleep) and when it is busy again. */
export interface RunMonitor {
  /** The run waits for a reply (`until`: the question's deadline, if any) or a timer (`until`: its end). */
  waiting(kind: 'question' | 'sleep', until: number | null): void
  active(): void
  /** The workflow is done (returned, or failed): what follows is the run's own last write, not a stop from elsewhere. */
  finishing?(): void
}

export interface RunEffectsOptions {
  store: Store
  runId: string
  signal: AbortSignal
  journal: RunJournal
  /** The executing worker's lease, carried by every write (a fencing token). */
  lease: Lease | undefined
  monitor?: RunMonitor | undefined
  /** Stops this execution (the store is out of reach: the run resumes from its journal when a worker claims it again). */
  stop: (reason: Error) => void
  /** The run's limits (message size, messages, tokens), counted as it goes. */
  budget: RunBudget
}

export function createRunEffects({ store, runId, signal, journal, lease, monitor, stop, budget }: RunEffectsOptions): RunEffects {
  /**
   * Writes of a run that has ended (cancelled, or stopped) surface as its cancellation. A write the
   * store could not take stops the execution: the workflow must not carry on past an effect that
   * did not happen; the journal holds what did, and a later claim resumes from there.
   */
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    if (signal.aborted) throw new RunCancelledError(runId)
    try {
      return await work()
    } catch (error) {
      if (error instanceof RunFinishedError) throw new RunCancelledError(runId)
      if (error instanceof StoreUnavailableError) stop(error)
      throw error
    }
  }
  /** Takes the effect's journal position at once, in call order; the effect itself may then wait its turn (fair-share.ts). */
  const claim = (call: EffectCall): ClaimedEffect => {
    if (signal.aborted) throw new RunCancelledError(runId)
    // Past a limit, the run does nothing more (the executor fails it), even if the workflow caught the error.
    if (budget.breach) throw budget.breach
    return journal.claim(call)
  }
  /** The journal entry of an effect, or undefined when this run keeps no journal (`resume: false`). */
  const record = (call: EffectCall, claimed: ClaimedEffect, outcome: EffectOutcome | null): EffectRecord | undefined =>
    journal.keeps
      ? { position: claimed.position, kind: call.kind, name: call.name, fingerprint: claimed.fingerprint, summary: call.summary, outcome }
      : undefined
  /** Journals a result (or only adds its usage to the run's, when there is no journal); nothing to write, nothing done. */
  const recordResult = async (entry: EffectRecord | undefined, usage: Usage | undefined) => {
    if (entry || usage) await guard(() => store.recordEffect(runId, { effect: entry ?? null, usage, lease }))
  }

  async function emit(draft: MessageDraft, change?: RunChange, id?: string): Promise<Message> {
    const checked = checkedDraft(draft)
    const call: EffectCall = { kind: 'message', name: checked.type, args: identity(checked), summary: summarize(checked) }
    const claimed = claim(call)
    await yieldIfBusy()
    if (claimed.recorded) return counted(recordedMessage(claimed))
    budget.checkMessage(checked.type, jsonBytes(checked))
    return counted(await guard(() => store.append(runId, checked, { change, effect: record(call, claimed, null), lease, id })))
  }

  function counted(message: Message): Message {
    budget.counted(message.seq)
    return message
  }

  async function ask(draft: QuestionDraft, timeoutSeconds: number | null): Promise<Answer> {
    const checked = checkedDraft(draft)
    // The fingerprint holds the timeout, not the deadline computed from it: a replay asks again at another time.
    const call: EffectCall = {
      kind: 'question',
      name: checked.type,
      args: { ...checked, timeout_seconds: timeoutSeconds },
      summary: summarize(checked),
    }
    const claimed = claim(call)
    await yieldIfBusy()
    let question: Question
    // Asked now, the question is known pending unless something changed the run since: listening
    // from before the append tells (wake-ups that show it still waiting do not count), and spares a read.
    let changedSince = true
    let stopListening: () => void = () => undefined
    if (claimed.recorded) {
      const message = recordedMessage(claimed)
      if (!isQuestion(message)) throw new Error(`journal entry #${claimed.position} of run ${runId} is not a question`)
      question = message
    } else {
      // The deadline is fixed once, when the question is first asked, and kept in its message.
      const expiresAt = timeoutSeconds === null ? null : new Date(Date.now() + timeoutSeconds * 1000).toISOString()
      const asked = { ...checked, content: { ...checked.content, expires_at: expiresAt } } as QuestionDraft
      budget.checkMessage(asked.type, jsonBytes(asked))
      changedSince = false
      stopListening = store.subscribe(runId, (hint) => {
        if (hint?.status !== 'awaiting_input') changedSince = true
      })
      const message = await guard(() => store.append(runId, asked, { effect: record(call, claimed, null), lease })).catch(
        (error: unknown) => {
          stopListening()
          throw error
        },
      )
      if (!isQuestion(message)) throw new Error('the store returned a non-question for a question')
      question = message
    }
    budget.counted(question.seq)
    const expiresAt = question.content.expires_at
    monitor?.waiting('question', expiresAt ? Date.parse(expiresAt) : null)
    const waiting = waitForAnswer({
      store,
      runId,
      question,
      signal,
      expiryDraft: expiryDraft(question),
      lease,
      knownPending: !changedSince,
    })
    stopListening()
    const outcome = await waiting.finally(() => monitor?.active())
    // The reply (or the expiry's message) follows the question in the log.
    budget.counted(question.seq + 1)
    if (outcome.kind === 'answered') return outcome.answer
    if (question.content.on_timeout === 'default') return defaultAnswer(question)
    throw new QuestionExpiredError(question.id, question.content.expires_at ?? '')
  }

  async function perform<T>(call: PerformCall<T>, work: (signal: AbortSignal) => T | Promise<T>): Promise<T> {
    const claimed = claim(call)
    await yieldIfBusy()
    if (claimed.recorded) return replayed<T>(claimed)
    let value: T
    try {
      value = await work(signal)
    } catch (error) {
      // Cut off by a cancel or a stop: not an outcome of the effect, which runs again on resume.
      if (signal.aborted || error instanceof RunCancelledError || error instanceof RunFinishedError) throw error
      await recordResult(record(call, claimed, { error: describeError(error) }), undefined)
      throw error
    }
    const json = asJson(value, call)
    if (signal.aborted) throw new RunCancelledError(runId)
    const usage = call.usage?.(json)
    await recordResult(record(call, claimed, json === undefined ? {} : { value: json }), usage)
    if (usage) budget.spend(usage.total_tokens)
    return json
  }

  async function sleep(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new TypeError(`ctx.sleep takes a number of milliseconds ≥ 0, not ${ms}`)
    const call: EffectCall = { kind: 'sleep', name: 'sleep', args: { ms }, summary: `ctx.sleep(${ms})` }
    const claimed = claim(call)
    await yieldIfBusy()
    let wakeAt: number
    if (claimed.recorded) {
      wakeAt = (replayed<{ wake_at: number }>(claimed) as { wake_at: number }).wake_at
    } else {
      wakeAt = Date.now() + ms
      await recordResult(record(call, claimed, { value: { wake_at: wakeAt } }), undefined)
    }
    monitor?.waiting('sleep', wakeAt)
    await sleepUntil(wakeAt, signal).finally(() => monitor?.active())
  }

  return { emit, ask, perform, sleep }
}

/**
 * What identifies a message effect. `workflow_started` is the runtime's: its workflow and params
 * identify it, not the description, which a deploy may reword without changing what runs do.
 */
function identity(draft: MessageDraft): unknown {
  if (draft.type === 'workflow_started') return { type: draft.type, name: draft.content.name, params: draft.content.params }
  return draft
}

function recordedMessage(claimed: ClaimedEffect): Message {
  const message = claimed.recorded?.message
  if (!message) throw new Error(`journal entry #${claimed.position} has lost its message`)
  return message
}

/** A recorded outcome, as the live effect gave it: its value, or the same kind of error thrown again. */
function replayed<T>(claimed: ClaimedEffect): T {
  const outcome = claimed.recorded?.outcome
  if (outcome && 'error' in outcome) {
    const error = new Error(outcome.error.message)
    error.name = outcome.error.name
    throw error
  }
  return (outcome?.value as T) ?? (undefined as T)
}

/** What a failed effect threw, as the journal keeps it: `throw { reason }` keeps its reason, not "[object Object]". */
function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message }
  return { name: 'Error', message: describeThrown(error) }
}

/** What the journal can keep is JSON: the live result is handed back in that same form, so replay and live agree. */
function asJson<T>(value: T, call: EffectCall): T {
  if (value === undefined) return value
  try {
    return JSON.parse(JSON.stringify(value)) as T
  } catch (error) {
    throw new TypeError(`${call.summary} returned something JSON cannot hold (${(error as Error).message}); return plain data`)
  }
}

/**
 * What a workflow hands over becomes plain JSON here, as every backend stores it, and must fit
 * its type's content schema: what JSON cannot carry (a BigInt, a cycle) or what the contract
 * does not allow (`body: 42` from plain JavaScript) fails the workflow's call instead of
 * poisoning the run's log, and the log never shares an object the workflow may still change.
 */
function checkedDraft<D extends MessageDraft>(draft: D): D {
  const copy = JSON.parse(JSON.stringify(draft)) as D
  const checked = CONTENT_SCHEMAS[copy.type].safeParse(copy.content)
  if (!checked.success) {
    const where = checked.error.issues.map((issue) => `${['content', ...issue.path.map(String)].join('.')}: ${issue.message}`)
    throw new TypeError(`invalid ${copy.type} message: ${where.join('; ')}`)
  }
  for (const field of ['sender', 'recipient'] as const) {
    if (copy[field] !== null && typeof copy[field] !== 'string')
      throw new TypeError(`invalid ${copy.type} message: ${field} must be a string`)
  }
  return copy
}

/** `text_message "Noted: hello"`: the type and the start of its main text. */
function summarize(draft: MessageDraft): string {
  const content = draft.content as Record<string, unknown>
  const text = ['body', 'prompt', 'short', 'function_name', 'name'].map((field) => content[field]).find((v) => typeof v === 'string')
  if (typeof text !== 'string') return draft.type
  const flat = text.replace(/\s+/g, ' ')
  return `${draft.type} ${JSON.stringify(flat.length > 60 ? `${flat.slice(0, 60)}…` : flat)}`
}

/** The answer a question expiring with `on_timeout: 'default'` gives the workflow. */
function defaultAnswer(question: Question): Answer {
  if (question.type === 'text_input') return question.content.default ?? ''
  const preferred = question.content.default
  if (question.content.single) return preferred ?? ''
  return preferred === null ? [] : [preferred]
}

/** The log's record of an expiry: which question, and what the workflow was given instead of a reply. */
function expiryDraft(question: Question): MessageDraft {
  const answer = question.content.on_timeout === 'default' ? defaultAnswer(question) : null
  return {
    type: 'system_message',
    content: {
      message: { event: 'question_expired', question_id: question.id, on_timeout: question.content.on_timeout, answer },
    },
    sender: question.recipient,
    recipient: question.sender,
    auto_reply: true,
  }
}
