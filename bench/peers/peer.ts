import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { launch, logTail } from '../processes.ts'
import type { AdapterName } from '../protocol.ts'

/**
 * A peer the bench compares against: pinned npm packages installed on demand into
 * bench/.peers/<name> (gitignored, never the project's dependencies), the tiny server or graph
 * file written beside them, and how to start it and tell that it is up.
 */
export interface PeerDefinition {
  name: 'mastra' | 'langgraph'
  /** Exact versions, as `npm install` takes them. */
  packages: readonly string[]
  /** File name → text, written into the peer's folder before each start. */
  files: Readonly<Record<string, string>>
  /** The command line to start it, run in its folder. */
  command(port: number, clients: number): string[]
  env: Readonly<Record<string, string>>
  /** Answers once the server is up. */
  readyPath: string
  adapter: AdapterName
  /** Folders (in the peer's folder) to delete before a start, so each run begins empty. */
  scratch?: readonly string[]
}

export const PEERS_DIR = fileURLToPath(new URL('../.peers/', import.meta.url))
const INSTALL_TIMEOUT_MS = 300_000

/** Installs the pinned packages unless this exact set already is; returns the peer's folder. */
export async function preparePeer(peer: PeerDefinition, log: (line: string) => void): Promise<string> {
  const dir = join(PEERS_DIR, peer.name)
  mkdirSync(dir, { recursive: true })
  const stampFile = join(dir, '.installed.json')
  const stamp = JSON.stringify(peer.packages)
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    log(`installing ${peer.packages.join(' ')} into ${dir} …`)
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `bench-peer-${peer.name}`, private: true, type: 'module' })}\n`)
    const logFile = join(dir, 'install.log')
    const args = ['npm', 'install', '--prefix', dir, '--save-exact', '--no-audit', '--no-fund', '--loglevel=error', ...peer.packages]
    const npm = launch(`npm install (${peer.name})`, args, { cwd: dir, env: process.env, logFile })
    const code = await Promise.race([npm.exited, sleep(INSTALL_TIMEOUT_MS).then(() => 'timeout' as const)])
    if (code === 'timeout') {
      await npm.stop()
      throw new Error(`npm install did not finish within ${INSTALL_TIMEOUT_MS / 1000} s`)
    }
    await npm.stop(0)
    if (code !== 0) {
      const tail = logTail(npm, 20).split('\n')
      const why = tail.filter((line) => /npm error (code|errno|network|notarget|404|E[A-Z]+)/.test(line)).slice(0, 2)
      throw new Error(`npm install exited ${code} (${logFile}): ${(why.length > 0 ? why : tail.slice(-1)).join('; ')}`)
    }
    writeFileSync(stampFile, stamp)
  }
  for (const [file, text] of Object.entries(peer.files)) writeFileSync(join(dir, file), text)
  return dir
}
