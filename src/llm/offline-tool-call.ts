import type { ToolCall, ToolSpec } from './chat-model.ts'

/**
 * How the offline model calls a tool: the tool whose name shares a word with the request
 * (else the first), its arguments filled from the request's text by their JSON Schema —
 * proper nouns for strings, numbers in order for numbers. Crude, but deterministic, and
 * enough to show the whole tool flow with no LLM.
 */
export function offlineToolCall(tools: readonly ToolSpec[], text: string, id: string): ToolCall | null {
  const lower = text.toLowerCase()
  const named = tools.find((tool) =>
    tool.name
      .toLowerCase()
      .split(/[_\W]+/)
      .some((part) => part.length > 2 && lower.includes(part)),
  )
  const tool = named ?? tools[0]
  if (!tool) return null
  return { id, name: tool.name, arguments: JSON.stringify(argumentsFor(tool.parameters, text)) }
}

interface PropertySchema {
  type?: string | string[]
  enum?: unknown[]
  default?: unknown
}

function argumentsFor(schema: Record<string, unknown>, text: string): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, PropertySchema>
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : Object.keys(properties))
  const numbers = (text.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number)
  const names = properNouns(text)
  const args: Record<string, unknown> = {}
  for (const [key, property] of Object.entries(properties)) {
    if (!required.has(key)) continue
    args[key] = valueFor(property, numbers, names, text)
  }
  return args
}

function valueFor(property: PropertySchema, numbers: number[], names: string[], text: string): unknown {
  if (property.default !== undefined) return property.default
  if (property.enum && property.enum.length > 0) return property.enum[0]
  const type = Array.isArray(property.type) ? property.type[0] : property.type
  switch (type) {
    case 'number':
      return numbers.shift() ?? 0
    case 'integer':
      return Math.round(numbers.shift() ?? 0)
    case 'boolean':
      return false
    case 'array':
      return []
    case 'object':
      return {}
    default:
      return names.shift() ?? text.trim().slice(0, 80)
  }
}

/** Runs of capitalised words that do not open a sentence: "weather in New York?" → ["New York"]. */
export function properNouns(text: string): string[] {
  const runs: string[] = []
  let current: string[] = []
  let sentenceStart = true
  for (const token of text.match(/[\p{L}\p{N}'’-]+|[.?!:;,]/gu) ?? []) {
    const capitalised = /^\p{Lu}/u.test(token)
    if (capitalised && !sentenceStart) current.push(token)
    else if (current.length > 0) {
      runs.push(current.join(' '))
      current = []
    }
    sentenceStart = /^[.?!:]$/.test(token)
  }
  if (current.length > 0) runs.push(current.join(' '))
  return runs
}
