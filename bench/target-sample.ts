import { readdirSync, readFileSync } from 'node:fs'
import type { GroupSample } from './machine.ts'
import { clkTck, sampleGroup } from './machine.ts'

/**
 * What the bench reads of a target: a process group that is part of it (counted), or a server
 * beside it (reported only) — the PostgreSQL server, read as its postmaster and every child,
 * since each of its backends leads a process group of its own.
 */
export type SampledPart = { name: string; pgid: number; counted: true } | { name: string; tree: number; counted: false }

export interface TargetSample extends GroupSample {
  /** CPU seconds of each part, counted or not, by name. */
  parts: Record<string, number>
}

/** One read of every part of a target: the counted ones summed, each one by name. */
export function sampleParts(parts: readonly SampledPart[]): TargetSample {
  let cpuSeconds = 0
  let rssKiB = 0
  const byName: Record<string, number> = {}
  for (const part of parts) {
    if (!part.counted) {
      byName[part.name] = treeCpuSeconds(part.tree)
      continue
    }
    const sample = sampleGroup(part.pgid)
    byName[part.name] = sample.cpuSeconds
    cpuSeconds += sample.cpuSeconds
    rssKiB += sample.rssKiB
  }
  return { at: performance.now(), cpuSeconds, rssKiB, parts: byName }
}

/** RSS of the counted parts only: cheap enough to read every 250 ms. */
export function countedRssKiB(parts: readonly SampledPart[]): number {
  return parts.reduce((sum, part) => sum + (part.counted ? sampleGroup(part.pgid).rssKiB : 0), 0)
}

/** user + system CPU seconds of `root` and its children (a server's backends). */
function treeCpuSeconds(root: number): number {
  let ticks = 0
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (pid !== root && Number(fields[1]) !== root) continue
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // gone already
    }
  }
  return ticks / clkTck()
}

/** CPU seconds of each part between two samples. */
export function partsBetween(start: TargetSample, end: TargetSample): Record<string, number> {
  return Object.fromEntries(Object.entries(end.parts).map(([name, seconds]) => [name, seconds - (start.parts[name] ?? 0)]))
}
