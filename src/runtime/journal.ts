import type { EffectKind, JournalEntry } from '../store/store.ts'
import { fingerprintOf } from './fingerprint.ts'

/** An effect a workflow asks for: what it is and the arguments that identify it. */
export interface EffectCall {
  kind: EffectKind
  name: string
  /** What the fingerprint is taken of: the arguments that make this effect this one. */
  args: unknown
  /** A short readable description, for the error that reports a divergence. */
  summary: string
}

export interface ClaimedEffect {
  position: number
  fingerprint: string
  /** The journal's entry at this position when the effect already happened (replay). */
  recorded: JournalEntry | undefined
}

/**
 * A resumed workflow asked for something else than its journal holds: its code or its inputs
 * changed since the run started (or it read the clock, a random number or the outside world
 * without `ctx`). Resuming would act on a history that never happened, so the run fails.
 */
export class NonDeterminismError extends Error {
  constructor(
    readonly position: number,
    readonly detail: string,
  ) {
    super(`non-deterministic workflow: replay diverged from the journal at effect #${position}`)
    this.name = 'NonDeterminismError'
  }
}

/**
 * One execution's view of a run's journal. Each effect the workflow asks for claims the next
 * position, in the order the workflow asks (synchronously, so effects started together keep
 * their order); an effect already at that position is replayed — checked to be the same kind,
 * name and fingerprint — and one beyond the journal's end happens live.
 */
export class RunJournal {
  readonly #recorded = new Map<number, JournalEntry>()
  readonly #onDivergence: (error: NonDeterminismError) => void
  #next = 1
  #divergence: NonDeterminismError | null = null
  /**
   * Whether effects are written down. A workflow with `resume: false` never replays, so its runs
   * keep no journal: one write less per message, and no result stored per call.
   */
  readonly keeps: boolean

  constructor(entries: readonly JournalEntry[], onDivergence: (error: NonDeterminismError) => void, options: { keeps: boolean }) {
    this.keeps = options.keeps
    for (const entry of entries) this.#recorded.set(entry.position, entry)
    this.#onDivergence = onDivergence
  }

  /** The first divergence found, if any: once there is one, the run can only fail. */
  get divergence(): NonDeterminismError | null {
    return this.#divergence
  }

  /** Takes the next position for `call`; throws NonDeterminismError when the journal holds another effect there. */
  claim(call: EffectCall): ClaimedEffect {
    if (this.#divergence) throw this.#divergence
    const position = this.#next++
    const recorded = this.#recorded.get(position)
    // Only what is written down or checked needs one: a run that keeps no journal hashes nothing.
    const fingerprint = recorded || this.keeps ? fingerprintOf(call.args) : ''
    if (recorded && (recorded.kind !== call.kind || recorded.name !== call.name || recorded.fingerprint !== fingerprint)) {
      throw this.#diverge(
        position,
        `Effect #${position} differs: the journal holds ${describe(recorded)} but the workflow now asks for ` +
          `${describe({ ...call, fingerprint })}. The workflow's code or inputs changed since this run started, or it ` +
          'used the clock, randomness or the outside world without ctx.now(), ctx.random() or ctx.step().',
      )
    }
    return { position, fingerprint, recorded }
  }

  /** After the workflow returned: effects in the journal it never asked for again are a divergence too. */
  checkComplete(): void {
    if (this.#divergence) throw this.#divergence
    const unclaimed = [...this.#recorded.values()].find((entry) => entry.position >= this.#next)
    if (!unclaimed) return
    throw this.#diverge(
      unclaimed.position,
      `The workflow returned after ${this.#next - 1} effect(s), but the journal holds effect #${unclaimed.position}: ` +
        `${describe(unclaimed)}. The workflow's code or inputs changed since this run started.`,
    )
  }

  #diverge(position: number, detail: string): NonDeterminismError {
    this.#divergence = new NonDeterminismError(position, detail)
    this.#onDivergence(this.#divergence)
    return this.#divergence
  }
}

function describe(effect: { kind: EffectKind; name: string; summary: string; fingerprint: string }): string {
  return `${effect.summary} (${effect.kind} "${effect.name}", fingerprint ${effect.fingerprint.slice(0, 12)})`
}
