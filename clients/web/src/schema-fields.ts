import { unreachable } from './assert.ts'

/**
 * Turns a workflow's `params_schema` (JSON Schema 2020-12, as zod emits it) into form fields,
 * and checks what the user typed against the same constraints before anything is sent.
 */

/** The part of JSON Schema the form understands; anything else becomes a JSON text field. */
export interface JsonSchema {
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  default?: unknown
  description?: string
  title?: string
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  multipleOf?: number
  minLength?: number
  maxLength?: number
  pattern?: string
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  properties?: Record<string, JsonSchema>
  required?: string[]
}

export type FieldKind = 'string' | 'text' | 'number' | 'integer' | 'boolean' | 'enum' | 'string-list' | 'multi-enum' | 'json'

export interface FieldSpec {
  name: string
  kind: FieldKind
  required: boolean
  /** Empty input may be sent as null (the schema allows null). */
  nullable: boolean
  description: string | undefined
  hasDefault: boolean
  default: unknown
  /** The schema the value must satisfy (the non-null branch of a nullable one). */
  schema: JsonSchema
  /** The allowed values of an `enum` / `multi-enum` field. */
  options: unknown[]
}

/** What the user entered, as the form controls give it. */
export type RawValue = string | boolean | string[]

export type Parsed = { ok: true; omit: true } | { ok: true; omit: false; value: unknown } | { ok: false; error: string }

/** Reads an unknown value as a schema, keeping only well-typed keywords. */
export function readSchema(value: unknown): JsonSchema {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
  const source = value as Record<string, unknown>
  const schema: JsonSchema = {}
  const type = source.type
  if (typeof type === 'string' || (Array.isArray(type) && type.every((t) => typeof t === 'string'))) schema.type = type
  if (Array.isArray(source.enum)) schema.enum = source.enum
  if ('const' in source) schema.const = source.const
  if ('default' in source) schema.default = source.default
  for (const key of ['description', 'title', 'pattern'] as const) {
    const text = source[key]
    if (typeof text === 'string') schema[key] = text
  }
  for (const key of [
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'exclusiveMaximum',
    'multipleOf',
    'minLength',
    'maxLength',
    'minItems',
    'maxItems',
  ] as const) {
    const number = source[key]
    if (typeof number === 'number' && Number.isFinite(number)) schema[key] = number
  }
  if ('items' in source) schema.items = readSchema(source.items)
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = source[key]
    if (Array.isArray(branches)) schema[key] = branches.map(readSchema)
  }
  if (typeof source.properties === 'object' && source.properties !== null) {
    schema.properties = Object.fromEntries(Object.entries(source.properties).map(([name, property]) => [name, readSchema(property)]))
  }
  if (Array.isArray(source.required)) schema.required = source.required.filter((name): name is string => typeof name === 'string')
  return schema
}

/** The form fields of a params schema, in the schema's property order. */
export function fieldsOf(paramsSchema: unknown): FieldSpec[] {
  const root = readSchema(paramsSchema)
  const required = new Set(root.required ?? [])
  return Object.entries(root.properties ?? {}).map(([name, property]) => fieldOf(name, property, required.has(name)))
}

function fieldOf(name: string, property: JsonSchema, required: boolean): FieldSpec {
  const { schema, nullable } = unwrapNullable(property)
  const description = property.description ?? schema.description ?? property.title ?? schema.title
  const hasDefault = 'default' in property || 'default' in schema
  const defaultValue = 'default' in property ? property.default : schema.default
  const base = { name, required, nullable, description, hasDefault, default: defaultValue, schema, options: [] as unknown[] }
  const options = enumOf(schema)
  if (options) return { ...base, kind: 'enum', options }
  const type = primaryType(schema)
  if (type === 'boolean') return { ...base, kind: 'boolean' }
  if (type === 'integer') return { ...base, kind: 'integer' }
  if (type === 'number') return { ...base, kind: 'number' }
  if (type === 'string') return { ...base, kind: (schema.maxLength ?? 0) > 1000 ? 'text' : 'string' }
  if (type === 'array' && schema.items) {
    const itemOptions = enumOf(schema.items)
    if (itemOptions) return { ...base, kind: 'multi-enum', options: itemOptions }
    if (primaryType(schema.items) === 'string') return { ...base, kind: 'string-list' }
  }
  return { ...base, kind: 'json' }
}

/** `anyOf: [X, {type: 'null'}]` (zod's `.nullable()`) is X, allowing null. */
function unwrapNullable(schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const branches = schema.anyOf ?? schema.oneOf
  if (branches) {
    const real = branches.filter((branch) => primaryType(branch) !== 'null')
    const only = real[0]
    if (only && real.length === 1 && real.length < branches.length) return { schema: only, nullable: true }
  }
  if (Array.isArray(schema.type) && schema.type.includes('null')) {
    const rest = schema.type.filter((type) => type !== 'null')
    return { schema: { ...schema, type: rest.length === 1 ? rest[0] : rest }, nullable: true }
  }
  return { schema, nullable: false }
}

function primaryType(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? (schema.type.length === 1 ? schema.type[0] : undefined) : schema.type
}

function enumOf(schema: JsonSchema): unknown[] | undefined {
  if (schema.enum && schema.enum.length > 0) return schema.enum
  if ('const' in schema) return [schema.const]
  return undefined
}

/** The initial control value of a field: its default, or empty. */
export function initialValue(field: FieldSpec): RawValue {
  const value = field.default
  switch (field.kind) {
    case 'boolean':
      return value === true
    case 'enum': {
      const index = field.hasDefault ? field.options.findIndex((option) => Object.is(option, value)) : -1
      return index < 0 ? '' : String(index)
    }
    case 'multi-enum':
      return Array.isArray(value) ? field.options.flatMap((option, index) => (value.includes(option) ? [String(index)] : [])) : []
    case 'string-list':
      return Array.isArray(value) ? value.map(String).join('\n') : ''
    case 'json':
      return field.hasDefault ? JSON.stringify(value, null, 2) : ''
    case 'number':
    case 'integer':
    case 'string':
    case 'text':
      return value === undefined || value === null ? '' : String(value)
    default:
      return unreachable(field.kind)
  }
}

/** A short description of the constraints, for the help text. */
export function constraintHint(field: FieldSpec): string {
  const s = field.schema
  const parts: string[] = []
  if (field.kind === 'integer' || field.kind === 'number') {
    const low = s.minimum ?? s.exclusiveMinimum
    const high = s.maximum ?? s.exclusiveMaximum
    const word = field.kind === 'integer' ? 'A whole number' : 'A number'
    if (low !== undefined && high !== undefined) parts.push(`${word} from ${low} to ${high}`)
    else if (low !== undefined) parts.push(`${word}, at least ${low}`)
    else if (high !== undefined) parts.push(`${word}, at most ${high}`)
  }
  if (field.kind === 'string' || field.kind === 'text') {
    if (s.maxLength !== undefined) parts.push(`Up to ${s.maxLength} characters`)
  }
  if (field.kind === 'string-list') parts.push('One per line')
  if (field.kind === 'json') parts.push('JSON')
  return parts.join('. ')
}

/** Checks and converts one field's input; `omit` leaves it to the server's default. */
export function parseField(field: FieldSpec, raw: RawValue): Parsed {
  const s = field.schema
  switch (field.kind) {
    case 'boolean':
      return { ok: true, omit: false, value: raw === true }
    case 'enum': {
      if (raw === '' || typeof raw !== 'string') return empty(field)
      const option = field.options[Number(raw)]
      return option === undefined ? { ok: false, error: 'Choose one of the options' } : { ok: true, omit: false, value: option }
    }
    case 'multi-enum': {
      const picked = Array.isArray(raw) ? raw.map((index) => field.options[Number(index)]) : []
      return checkItems(field, picked)
    }
    case 'string-list': {
      const text = typeof raw === 'string' ? raw : ''
      if (text.trim() === '') return empty(field)
      const items = text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
      const itemSchema = s.items ?? {}
      for (const item of items) {
        const error = stringError(itemSchema, item)
        if (error) return { ok: false, error: `“${item}”: ${error}` }
      }
      return checkItems(field, items)
    }
    case 'integer':
    case 'number': {
      const text = typeof raw === 'string' ? raw.trim() : ''
      if (text === '') return empty(field)
      const value = Number(text)
      if (!Number.isFinite(value)) return { ok: false, error: 'Enter a number' }
      if (field.kind === 'integer' && !Number.isInteger(value)) return { ok: false, error: 'Enter a whole number' }
      if (s.minimum !== undefined && value < s.minimum) return { ok: false, error: `Must be at least ${s.minimum}` }
      if (s.maximum !== undefined && value > s.maximum) return { ok: false, error: `Must be at most ${s.maximum}` }
      if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum)
        return { ok: false, error: `Must be more than ${s.exclusiveMinimum}` }
      if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum)
        return { ok: false, error: `Must be less than ${s.exclusiveMaximum}` }
      if (s.multipleOf !== undefined && Math.abs(value / s.multipleOf - Math.round(value / s.multipleOf)) > 1e-9) {
        return { ok: false, error: `Must be a multiple of ${s.multipleOf}` }
      }
      return { ok: true, omit: false, value }
    }
    case 'string':
    case 'text': {
      const text = typeof raw === 'string' ? raw : ''
      if (text === '') return empty(field)
      const error = stringError(s, text)
      return error ? { ok: false, error } : { ok: true, omit: false, value: text }
    }
    case 'json': {
      const text = typeof raw === 'string' ? raw.trim() : ''
      if (text === '') return empty(field)
      try {
        return { ok: true, omit: false, value: JSON.parse(text) }
      } catch {
        return { ok: false, error: 'Not valid JSON' }
      }
    }
    default:
      return unreachable(field.kind)
  }
}

/** Nothing entered: refused when required, else left out (or null, when that is what the schema says). */
function empty(field: FieldSpec): Parsed {
  if (!field.required) return { ok: true, omit: true }
  if (field.nullable) return { ok: true, omit: false, value: null }
  return { ok: false, error: 'Required' }
}

function stringError(s: JsonSchema, text: string): string | undefined {
  const length = [...text].length
  if (s.minLength !== undefined && length < s.minLength)
    return s.minLength === 1 ? 'Must not be empty' : `At least ${s.minLength} characters`
  if (s.maxLength !== undefined && length > s.maxLength) return `At most ${s.maxLength} characters (now ${length})`
  if (s.pattern !== undefined) {
    try {
      if (!new RegExp(s.pattern, 'u').test(text)) return `Must match ${s.pattern}`
    } catch {
      // A pattern this browser cannot compile is left to the server to check.
    }
  }
  return undefined
}

function checkItems(field: FieldSpec, items: unknown[]): Parsed {
  const s = field.schema
  if (items.length === 0 && field.kind === 'multi-enum' && !field.required && s.minItems === undefined)
    return { ok: true, omit: false, value: [] }
  if (s.minItems !== undefined && items.length < s.minItems) return { ok: false, error: `Give at least ${s.minItems}` }
  if (s.maxItems !== undefined && items.length > s.maxItems) return { ok: false, error: `Give at most ${s.maxItems}` }
  return { ok: true, omit: false, value: items }
}

/** `body.params.max_turns` → `max_turns`; the rest of the path (an array index, say) as context. */
export function paramOfField(field: string): { name: string; rest: string } | undefined {
  const prefix = 'body.params.'
  if (!field.startsWith(prefix)) return undefined
  const [name = '', ...rest] = field.slice(prefix.length).split('.')
  return name === '' ? undefined : { name, rest: rest.join('.') }
}
