import { readFileSync } from 'node:fs'

/**
 * Where a `--cpu-prof` profile spent its time: self time by function and by package, so a
 * hot path can be named without opening DevTools.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25] [skip-seconds=0]
 *
 * `skip-seconds` leaves out the profile's first seconds (starting up: module loading and
 * compiling), so a steady load's hot path is what is summed.
 */

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, topArg, skipArg] = process.argv.slice(2)
if (!file) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [top]')
  process.exit(2)
}
const top = Number(topArg ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const skipMicros = Number(skipArg ?? 0) * 1e6
const selfMicros = new Map<number, number>()
let elapsed = 0
for (const [index, id] of profile.samples.entries()) {
  const delta = profile.timeDeltas[index] ?? 0
  elapsed += delta
  // Idle is not work: the shares below are of the time the process was busy.
  if (elapsed >= skipMicros && byId.get(id)?.callFrame.functionName !== '(idle)') selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta)
}
const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0)

function packageOf(url: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (match?.[1]) return match[1]
  if (url.includes('/src/'))
    return `parley ${url
      .slice(url.indexOf('/src/') + 1)
      .split('/')
      .slice(0, 2)
      .join('/')}`
  if (url.startsWith('node:')) return 'node internals'
  return url === '' ? '(native / gc / idle)' : url.split('/').slice(-2).join('/')
}

const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
for (const [id, micros] of selfMicros) {
  const node = byId.get(id)
  if (!node) continue
  const { functionName, url, lineNumber } = node.callFrame
  const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^.*\/main\//, '')}:${lineNumber + 1}` : ''
  const key = `${functionName || '(anonymous)'} ${where}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros)
  byPackage.set(packageOf(url), (byPackage.get(packageOf(url)) ?? 0) + micros)
}

// Inclusive time: a function's own samples plus its callees', counted once per call stack.
const parentOf = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
const inclusive = new Map<string, number>()
for (const [id, micros] of selfMicros) {
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const node = byId.get(at)
    if (!node?.callFrame.url) continue
    const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/main\//, '')}`
    if (seen.has(key)) continue
    seen.add(key)
    inclusive.set(key, (inclusive.get(key) ?? 0) + micros)
  }
}

const print = (title: string, entries: Map<string, number>) => {
  console.log(title)
  for (const [key, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${((micros / total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${key}`)
  }
}
console.log(`${file}: ${(total / 1e6).toFixed(1)} s busy`)
print('self time by package', byPackage)
print('self time by function', byFunction)
print('inclusive time by function (self + callees)', inclusive)
