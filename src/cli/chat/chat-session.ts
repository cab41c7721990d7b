import type { ParleyClient, Question } from '../../../clients/typescript/index.ts'
import { isFinished } from '../../../clients/typescript/index.ts'
import { askQuestion } from './ask-question.ts'
import type { ConsoleInput } from './console-input.ts'
import { followRun } from './follow-run.ts'
import { failureLine, problemLine } from './problems.ts'
import type { RunItem } from './run-items.ts'
import { createTranscript } from './transcript.ts'

/** Exit codes of `parley chat`: the run completed; it failed or was cancelled (or could not be followed); left with Ctrl-C. */
export const EXIT_COMPLETED = 0
export const EXIT_NOT_COMPLETED = 1
export const EXIT_INTERRUPTED = 130

export interface ChatSessionOptions {
  client: ParleyClient
  runId: string
  /** The server's URL, for the line that says how to attach again. */
  url: string
  input: ConsoleInput
  write: (text: string) => void
}

/**
 * Follows a run at the console until it has finished, or the user leaves it: prints its log (from
 * the start) and then what comes live, asks its pending questions, and handles Ctrl-C (once: cancel
 * the run? twice: leave it going). Resolves with the exit code.
 */
export async function chatSession({ client, runId, url, input, write }: ChatSessionOptions): Promise<number> {
  const transcript = createTranscript(write)
  const following = new AbortController()
  let leave: (code: number) => void = () => {}
  const left = new Promise<number>((resolve) => {
    leave = (code) => {
      following.abort()
      resolve(code)
    }
  })
  const reattach = () => `parley chat --run ${runId} --url ${url}`

  /** Questions the log, read ahead of what is shown, says are closed: replied to, or all of them once the run ended. */
  const closed = { ids: new Set<string>(), all: false }
  /** The question being asked, to give it up when the log shows it closed. */
  let asking: { question: Question; controller: AbortController } | null = null
  /** The Ctrl-C confirmation, while it is shown: the log waits for it, a second Ctrl-C leaves. */
  let confirmation: Promise<void> | null = null

  const leaveGoing = () => {
    write(`\nLeaving run ${runId} going. Attach again with: ${reattach()}\n`)
    leave(EXIT_INTERRUPTED)
  }
  const confirmCancel = async () => {
    transcript.endLine()
    const line = await input.readLine('\nCancel the run? [y/N] ')
    // Nobody can answer once the input has ended (a pipe): Ctrl-C then means leave.
    if (line === null) return leaveGoing()
    if (!/^y(es)?$/i.test(line.trim())) return
    asking?.controller.abort()
    try {
      const { error } = await client.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: runId } } })
      write(error ? `Not cancelled: ${problemLine(error)}\n` : 'Cancelling the run…\n')
    } catch (error) {
      write(`Not cancelled: ${failureLine(error, url)}\n`)
    }
  }
  input.onInterrupt(() => {
    if (confirmation) return leaveGoing()
    confirmation = confirmCancel().finally(() => {
      confirmation = null
    })
  })

  const isPending = async (question: Question) => {
    const { data: run } = await client.GET('/v1/runs/{run_id}', { params: { path: { run_id: runId } } })
    return run?.pending_question?.id === question.id
  }

  const show = async (item: RunItem) => {
    while (confirmation) await confirmation
    transcript.show(item)
    if (item.type !== 'text_input' && item.type !== 'multiple_choice') return
    if (!(await isPending(item))) return
    // A Ctrl-C while the run was read keeps the input until it is answered: the question asks after it.
    while (confirmation) await confirmation
    if (following.signal.aborted || closed.all || closed.ids.has(item.id)) return
    const controller = new AbortController()
    asking = { question: item, controller }
    const outcome = await askQuestion(item, { client, runId, url, input, write, signal: controller.signal }).finally(() => {
      asking = null
    })
    if (outcome === 'input_ended') {
      write(`The input ended with a question open; run ${runId} goes on. Attach again with: ${reattach()}\n`)
      leave(EXIT_NOT_COMPLETED)
    }
  }

  const follow = async (): Promise<number> => {
    // Items are shown one after another (a question waits for its answer) while the log is read on:
    // a reply from elsewhere or the run's end gives the question up at once.
    let shown = Promise.resolve()
    for await (const item of followRun(client, runId, 0, following.signal)) {
      if (item.type === 'reply') closed.ids.add(item.content.question_id)
      if (item.type === 'workflow_completed') closed.all = true
      if (asking && (closed.all || closed.ids.has(asking.question.id))) asking.controller.abort()
      shown = shown.then(() => show(item))
    }
    await shown
    while (confirmation) await confirmation
    transcript.endLine()
    return finalStatus()
  }

  const finalStatus = async (): Promise<number> => {
    const { data: run, error } = await client.GET('/v1/runs/{run_id}', { params: { path: { run_id: runId } } })
    if (!run) {
      write(`Run ${runId}: ${problemLine(error)}\n`)
      return EXIT_NOT_COMPLETED
    }
    if (!isFinished(run.status)) {
      write(`Run ${runId} is ${run.status}. Attach again with: ${reattach()}\n`)
      return EXIT_NOT_COMPLETED
    }
    const why = run.status === 'failed' && run.error ? `: ${run.error.short}` : ''
    write(`Run ${runId} ${run.status}${why}.\n`)
    return run.status === 'completed' ? EXIT_COMPLETED : EXIT_NOT_COMPLETED
  }

  write(`Run ${runId} on ${url} (Ctrl-C: cancel it, or leave it going)\n`)
  const followed = follow().catch((error: unknown) => {
    if (following.signal.aborted) return left
    transcript.endLine()
    write(`Lost run ${runId}: ${failureLine(error, url)}\n`)
    return EXIT_NOT_COMPLETED
  })
  return Promise.race([followed, left])
}
