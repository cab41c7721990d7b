interface Node {
  value: unknown
  depth: number
  key: string | null
  parent: Node | null
}

/**
 * Where a JSON value nests deeper than `max` objects and arrays, as a path (`a.0.b`), or null when
 * it does not. Iterative: a value nested 100,000 deep is measured without recursion, before
 * anything recursive (JSON.stringify, a fingerprint, a schema) touches it.
 */
export function tooDeepAt(value: unknown, max: number): string | null {
  const stack: Node[] = [{ value, depth: 0, key: null, parent: null }]
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (typeof node.value !== 'object' || node.value === null) continue
    if (node.depth + 1 > max) return pathOf(node)
    for (const [key, child] of Object.entries(node.value)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: node.depth + 1, key, parent: node })
    }
  }
  return null
}

function pathOf(node: Node): string {
  const keys: string[] = []
  for (let at: Node | null = node; at !== null; at = at.parent) if (at.key !== null) keys.push(at.key)
  return keys.reverse().join('.')
}
