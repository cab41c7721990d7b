import type { RunStatus } from './api.ts'
import { h } from './dom.ts'

/** A run's status as a coloured pill (the colour is a cue; the word is always there). */
export function statusBadge(status: RunStatus): HTMLElement {
  return h('span', { class: `status status-${status}` }, status.replace('_', ' '))
}
