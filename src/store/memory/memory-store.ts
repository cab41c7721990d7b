import type { Message } from '../../schemas/messages.ts'
import { isFinished } from '../../schemas/runs.ts'
import { compareRunsNewestFirst, isAfterCursor } from '../records.ts'
import type { QuestionRecord, RunRecord } from '../store.ts'
import { createSyncStore } from '../sync-store.ts'

/** Keeps everything in this process's memory: for tests and throwaway demos. */
export function createMemoryStore() {
  const runs = new Map<string, RunRecord>()
  const logs = new Map<string, Message[]>()
  const questions = new Map<string, QuestionRecord & { run_id: string }>()
  const idempotencyKeys = new Map<string, string>()
  const keyOf = (userId: string, key: string) => `${userId}\u0000${key}`

  return createSyncStore({
    kind: 'memory',
    // Nothing here awaits, so a call runs to completion before any other: that is the transaction.
    transaction: (work) => work(),
    insertRun(run) {
      runs.set(run.id, run)
      logs.set(run.id, [])
      if (run.idempotency_key !== null) idempotencyKeys.set(keyOf(run.user_id, run.idempotency_key), run.id)
    },
    saveRun: (run) => void runs.set(run.id, run),
    loadRun: (runId) => runs.get(runId) ?? null,
    findRunByIdempotencyKey(userId, key) {
      const runId = idempotencyKeys.get(keyOf(userId, key))
      return runId === undefined ? null : (runs.get(runId) ?? null)
    },
    queryRuns(query) {
      const matching = [...runs.values()].filter(
        (run) =>
          run.user_id === query.user_id &&
          (!query.status || run.status === query.status) &&
          (!query.workflow || run.workflow === query.workflow) &&
          (!query.cursor || isAfterCursor(run, query.cursor)),
      )
      return matching.sort(compareRunsNewestFirst).slice(0, query.limit)
    },
    countActiveRuns(userId) {
      let count = 0
      for (const run of runs.values()) if (run.user_id === userId && !isFinished(run.status)) count++
      return count
    },
    unfinishedRuns: () => [...runs.values()].filter((run) => !isFinished(run.status)),
    insertMessage: (message) => void logs.get(message.run_id)?.push(message),
    // seq n sits at index n - 1: the log is gapless by construction.
    messagesAfter: (runId, afterSeq, limit) => logs.get(runId)?.slice(afterSeq, afterSeq + limit) ?? [],
    loadQuestion: (questionId) => questions.get(questionId) ?? null,
    saveQuestion: (runId, record) => void questions.set(record.question.id, { ...record, run_id: runId }),
    close() {
      runs.clear()
      logs.clear()
      questions.clear()
    },
  })
}
