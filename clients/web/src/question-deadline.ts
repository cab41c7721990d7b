import type { Question } from './api.ts'
import { h } from './dom.ts'
import { describeDefault, expectedDefault, isMasked } from './question-expiry.ts'

/** Seconds left under which the countdown turns urgent. */
const URGENT_SECONDS = 10

/** A question's live countdown to its `expires_at`. */
export interface Countdown {
  readonly element: HTMLElement
  /** Stops ticking and hides the countdown (the question was answered, closed or expired). */
  stop(): void
}

/**
 * “Answer within 1:59 — then the default “reject” is taken”, ticking each second on the
 * browser's clock until `expires_at`, where it says “Time is up” and calls `onTimeUp` once.
 * Null for a question without a deadline. It stops by itself once its element has left the
 * page, so a conversation that is replaced leaves no timer behind.
 */
export function questionCountdown(question: Question, onTimeUp: () => void): Countdown | null {
  const { expires_at: expiresAt } = question.content
  if (expiresAt === null) return null
  const deadline = Date.parse(expiresAt)
  if (Number.isNaN(deadline)) return null

  const clock = h('span', { class: 'deadline-clock' })
  const element = h(
    'p',
    { class: 'deadline', role: 'timer', title: `Expires at ${new Date(deadline).toLocaleString()}` },
    'Answer within ',
    clock,
    ` — ${consequence(question)}`,
  )
  let timer: ReturnType<typeof setTimeout> | undefined
  let settled = false
  // The first tick runs before the element is placed; later ones need it on the page.
  let placed = false

  const tick = () => {
    // Settled meanwhile, or rendered and then removed (the page moved on): nothing left to update.
    if (settled || (placed && !element.isConnected)) return
    const left = deadline - Date.now()
    if (left <= 0) {
      element.replaceChildren('Time is up')
      element.classList.add('urgent', 'over')
      // Deferred, so a question replayed after its deadline has its controls in place to disable,
      // and skipped when the log's own record of the expiry settled the question first.
      queueMicrotask(() => {
        if (!settled) onTimeUp()
      })
      return
    }
    const seconds = Math.ceil(left / 1000)
    clock.textContent = formatSeconds(seconds)
    element.classList.toggle('urgent', seconds <= URGENT_SECONDS)
    // Wake on the next whole second of what is left, so the display never lags a tick behind.
    timer = setTimeout(tick, left % 1000 || 1000)
  }
  tick()
  placed = true

  return {
    element,
    stop() {
      settled = true
      clearTimeout(timer)
      element.hidden = true
    },
  }
}

/** 59 → “0:59”, 3600 → “1:00:00”. */
function formatSeconds(total: number): string {
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = String(total % 60).padStart(2, '0')
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`
}

function consequence(question: Question): string {
  if (question.content.on_timeout === 'error') return 'then the run is told nobody answered'
  return `then ${describeDefault(expectedDefault(question), isMasked(question))} is taken`
}
