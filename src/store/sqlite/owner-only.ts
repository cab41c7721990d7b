import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/**
 * The SQLite file holds every run's params, messages and answers: only its owner may read it.
 * What Parley creates is made owner-only whatever the umask (which can only take bits away, and
 * a umask of 0 would leave files readable by everyone): the directories it makes 0700, the files
 * 0600. SQLite creates `-wal`, `-shm` and `-journal` with the mode of their database file, so
 * they follow. A file or directory that already exists is left as its owner set it.
 */
export const OWNER_ONLY_FILE = 0o600
export const OWNER_ONLY_DIR = 0o700

/** Creates the directories leading to `dir` that are missing, each 0700. */
export function makeOwnerOnlyDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: OWNER_ONLY_DIR })
  if (first === undefined) return
  // mkdirSync gives the first directory it created; it and everything below it up to `dir` are ours.
  const top = resolve(first)
  for (let current = resolve(dir); ; current = dirname(current)) {
    chmodSync(current, OWNER_ONLY_DIR)
    if (current === top || current === dirname(current)) break
  }
}

/** Creates `path` empty and 0600 unless it exists. */
export function makeOwnerOnlyFile(path: string): void {
  let fd: number
  try {
    fd = openSync(path, 'wx', OWNER_ONLY_FILE)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return
    throw error
  }
  try {
    chmodSync(path, OWNER_ONLY_FILE)
  } finally {
    closeSync(fd)
  }
}
