import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { hasTaskset } from './processes.ts'

/** The machine a result was measured on, and what a server process costs, read from /proc. */

export interface MachineInfo {
  cpu_model: string
  cores: number
  memory_gib: number
  node: string
  os: string
  open_files_limit: string
  /** Cores the server and the load generator are pinned to, or null without taskset. */
  pinning: { server: number; load_generator: number } | null
}

export const SERVER_CPU = 0
export const LOAD_CPU = 1

export function machineInfo(): MachineInfo {
  const cpus = os.cpus()
  const pin = hasTaskset() && cpus.length >= 2
  return {
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    open_files_limit: `${shell('ulimit -Sn; ulimit -Hn').split('\n').join(' soft / ')} hard`,
    pinning: pin ? { server: SERVER_CPU, load_generator: LOAD_CPU } : null,
  }
}

function shell(script: string): string {
  try {
    return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

let clockTicks: number | undefined
export const clkTck = () => {
  clockTicks ??= Number(shell('getconf CLK_TCK')) || 100
  return clockTicks
}

export interface GroupSample {
  /** When, in ms (performance.now()). */
  at: number
  /** user + system CPU seconds of every process in the group so far. */
  cpuSeconds: number
  /** Resident memory of every process in the group, KiB (VmRSS). */
  rssKiB: number
}

/**
 * One read of a process group: CPU from /proc/<pid>/stat (utime + stime), RSS from
 * /proc/<pid>/status. A group, because a peer's dev server is a tree (CLI → watcher → server).
 */
export function sampleGroup(pgid: number): GroupSample {
  let ticks = 0
  let rssKiB = 0
  for (const pid of groupMembers(pgid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // After the command: state(3) ppid(4) pgrp(5) … utime(14) stime(15), here 0-based from state.
      ticks += Number(fields[11]) + Number(fields[12])
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const rss = /VmRSS:\s+(\d+)/.exec(status)
      rssKiB += rss ? Number(rss[1]) : 0
    } catch {
      // the process ended between the listing and the read
    }
  }
  return { at: performance.now(), cpuSeconds: ticks / clkTck(), rssKiB }
}

/** Membership is re-read at most every 2 s: scanning /proc is the costly part of a sample. */
const membersCache = new Map<number, { at: number; pids: number[] }>()

function groupMembers(pgid: number): number[] {
  const cached = membersCache.get(pgid)
  if (cached && performance.now() - cached.at < 2000) return cached.pids
  const members: number[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])
      if (pgrp === pgid) members.push(pid)
    } catch {
      // gone already
    }
  }
  membersCache.set(pgid, { at: performance.now(), pids: members })
  return members
}

/** Server CPU (% of one core) and CPU seconds between two samples. */
export function cpuBetween(from: GroupSample, to: GroupSample): { percent: number; seconds: number } {
  const seconds = to.cpuSeconds - from.cpuSeconds
  const wall = (to.at - from.at) / 1000
  return { percent: wall > 0 ? (seconds / wall) * 100 : Number.NaN, seconds }
}
