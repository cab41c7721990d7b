import type { Message } from '../../schemas/messages.ts'
import { isFinished } from '../../schemas/runs.ts'
import { takeWithinBytes } from '../page-bytes.ts'
import { compareRunsNewestFirst, isAfterCursor } from '../records.ts'
import type { EffectRecord, QuestionListing, QuestionRecord, RunRecord } from '../store.ts'
import { mayAnswer } from '../store.ts'
import type { LeaseRow } from '../sync-store.ts'
import { createSyncStore } from '../sync-store.ts'
import { createMemoryWebhooks } from './memory-webhooks.ts'

export interface MemoryStoreOptions {
  /**
   * Finished runs kept at most; past it the oldest-finished is freed with its log, whatever its
   * age (default 10,000; 0: no cap). Memory is the one thing a throwaway server must not run out of.
   */
  maxFinishedRuns?: number
}

/** Keeps everything in this process's memory: for tests and throwaway demos. */
export function createMemoryStore(options: MemoryStoreOptions = {}) {
  const maxFinishedRuns = options.maxFinishedRuns ?? 10_000
  const runs = new Map<string, RunRecord>()
  const logs = new Map<string, Message[]>()
  const questions = new Map<string, QuestionRecord & { run_id: string }>()
  const idempotencyKeys = new Map<string, string>()
  const leases = new Map<string, LeaseRow>()
  const journals = new Map<string, Map<number, { effect: EffectRecord; seq: number | null; created_at: string }>>()
  // Unfinished run ids per user, kept as runs are saved: the per-user limit is checked on every
  // create, and counting by scanning every run ever made grows with the server's uptime.
  const active = new Map<string, Set<string>>()
  // Finished runs in the order they finished (a Map keeps insertion order), each with its `finished_at`.
  const finished = new Map<string, string>()
  const webhooks = createMemoryWebhooks()
  const keyOf = (userId: string, key: string) => `${userId}\u0000${key}`
  const track = (run: RunRecord) => {
    const ids = active.get(run.user_id)
    if (isFinished(run.status)) {
      ids?.delete(run.id)
      if (ids?.size === 0) active.delete(run.user_id)
      if (!finished.has(run.id)) {
        finished.set(run.id, run.finished_at ?? run.updated_at)
        // The oldest first; never the run finishing now (it is the newest), whose transaction goes on.
        while (maxFinishedRuns > 0 && finished.size > maxFinishedRuns) forget(finished.keys().next().value as string)
      }
    } else if (ids) ids.add(run.id)
    else active.set(run.user_id, new Set([run.id]))
  }
  /** Frees a finished run and everything it owns. */
  const forget = (runId: string) => {
    const run = runs.get(runId)
    for (const message of logs.get(runId) ?? []) if (questions.get(message.id)?.run_id === runId) questions.delete(message.id)
    if (run?.idempotency_key != null) idempotencyKeys.delete(keyOf(run.user_id, run.idempotency_key))
    runs.delete(runId)
    logs.delete(runId)
    leases.delete(runId)
    journals.delete(runId)
    finished.delete(runId)
    webhooks.forgetRun(runId)
  }

  return createSyncStore({
    kind: 'memory',
    webhooks,
    // Nothing here awaits, so a call runs to completion before any other: that is the transaction.
    transaction: (work) => work(),
    insertRun(run, lease) {
      runs.set(run.id, run)
      leases.set(run.id, lease)
      track(run)
      logs.set(run.id, [])
      if (run.idempotency_key !== null) idempotencyKeys.set(keyOf(run.user_id, run.idempotency_key), run.id)
    },
    saveRun(run) {
      runs.set(run.id, run)
      track(run)
    },
    loadRun: (runId) => runs.get(runId) ?? null,
    loadOwnedRun(runId, userId) {
      const run = runs.get(runId)
      return run?.user_id === userId ? run : null
    },
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
    countActiveRuns: (userId) => active.get(userId)?.size ?? 0,
    insertMessage: (message) => void logs.get(message.run_id)?.push(message),
    // seq n sits at index n - 1: the log is gapless by construction.
    messagesAfter: (runId, afterSeq, limit, maxBytes) =>
      takeWithinBytes(logs.get(runId)?.slice(afterSeq, afterSeq + limit) ?? [], sizeOf, maxBytes),
    loadQuestion: (questionId) => questions.get(questionId) ?? null,
    saveQuestion: (runId, record) => void questions.set(record.question.id, { ...record, run_id: runId }),
    listQuestions(query) {
      const listed: QuestionListing[] = []
      for (const record of questions.values()) {
        if (record.status !== query.status || (query.run_id !== undefined && record.run_id !== query.run_id)) continue
        const run = runs.get(record.run_id)
        if (!run || (query.workflow !== undefined && run.workflow !== query.workflow)) continue
        if (!mayAnswer(query.user_id, run, record.question)) continue
        if (query.cursor && !isAfterCursor(record.question, query.cursor)) continue
        listed.push({ question: record.question, status: record.status, run })
      }
      return listed.sort((a, b) => compareRunsNewestFirst(a.question, b.question)).slice(0, query.limit)
    },
    insertEffect(runId, effect, seq, now) {
      let journal = journals.get(runId)
      if (!journal) {
        journal = new Map()
        journals.set(runId, journal)
      }
      if (journal.has(effect.position)) return false
      journal.set(effect.position, { effect, seq, created_at: now })
      return true
    },
    journalOf(runId) {
      const entries = [...(journals.get(runId)?.values() ?? [])].sort((a, b) => a.effect.position - b.effect.position)
      const log = logs.get(runId) ?? []
      return entries.map(({ effect, seq, created_at }) => ({
        ...effect,
        message: seq === null ? null : (log[seq - 1] ?? null),
        created_at,
      }))
    },
    deleteJournal: (runId) => void journals.delete(runId),
    loadLease: (runId) => leases.get(runId) ?? null,
    saveLease(runId, lease) {
      // A finished run's lease is never read again: dropping it keeps the scan below to live runs.
      if (lease.ready_at === null && lease.owner === null && isFinished(runs.get(runId)?.status ?? 'completed')) leases.delete(runId)
      else leases.set(runId, lease)
    },
    readyRunIds(nowMs, limit) {
      const ready: [string, number][] = []
      for (const [runId, lease] of leases) if (lease.ready_at !== null && lease.ready_at <= nowMs) ready.push([runId, lease.ready_at])
      return ready
        .sort((a, b) => a[1] - b[1])
        .slice(0, limit)
        .map(([runId]) => runId)
    },
    deleteFinishedRuns(cutoff, limit) {
      // Oldest by `finished_at`, which a caller may set: not always the order they finished in.
      const due = [...finished].filter(([, finishedAt]) => finishedAt < cutoff)
      due.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
      for (const [runId] of due.slice(0, limit)) forget(runId)
      return Math.min(due.length, limit)
    },
    unfinishedRunIdsBefore(cutoff, limit) {
      const due: RunRecord[] = []
      for (const ids of active.values()) {
        for (const runId of ids) {
          const run = runs.get(runId)
          if (run && run.created_at < cutoff) due.push(run)
        }
      }
      return due
        .sort((a, b) => -compareRunsNewestFirst(a, b))
        .slice(0, limit)
        .map((run) => run.id)
    },
    close() {
      finished.clear()
      leases.clear()
      journals.clear()
      runs.clear()
      active.clear()
      logs.clear()
      questions.clear()
    },
  })
}

/** A message's size as the other backends keep it (its JSON text in UTF-8), measured once: messages never change. */
const sizes = new WeakMap<Message, number>()
function sizeOf(message: Message): number {
  let size = sizes.get(message)
  if (size === undefined) {
    size = Buffer.byteLength(JSON.stringify(message))
    sizes.set(message, size)
  }
  return size
}
