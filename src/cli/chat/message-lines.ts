import type { Message } from '../../../clients/typescript/index.ts'

/** `Teacher → Student`, one side alone, or nothing for a message nobody in particular sent. */
export function speakers(sender: string | null, recipient: string | null): string {
  if (sender === null && recipient === null) return ''
  return `${sender ?? '?'} → ${recipient ?? '?'}`
}

/** The start of a message's line: who to whom, then its type in brackets. */
export function lineHead(sender: string | null, recipient: string | null, type: string): string {
  const who = speakers(sender, recipient)
  return who === '' ? `[${type}] ` : `${who} [${type}] `
}

/**
 * A message as the console shows it: its head, then what it says, later lines indented.
 *
 * @example
 * describeMessage(message) // 'Greeter → User [text_message] Hello, Ada (good)'
 */
export function describeMessage(message: Message): string {
  const text = contentText(message)
  return `${lineHead(message.sender, message.recipient, message.type)}${text.replaceAll('\n', '\n  ')}`
}

/** What a message says, by type; JSON for what has structure. */
function contentText(message: Message): string {
  switch (message.type) {
    case 'workflow_started': {
      const { name, description, params } = message.content
      return `${name}: ${description}${Object.keys(params).length > 0 ? ` ${json(params)}` : ''}`
    }
    case 'text_message':
      return message.content.body
    case 'system_message':
      return json(message.content.message)
    case 'suggested_function_call':
      return `${message.content.function_name}(${json(message.content.arguments)})`
    case 'function_call_execution':
      return `${message.content.function_name} returned ${json(message.content.retval)}`
    case 'text_input': {
      const { prompt, suggestions } = message.content
      return suggestions.length > 0 ? `${prompt} (suggestions: ${suggestions.join(', ')})` : prompt
    }
    case 'multiple_choice':
      return `${message.content.prompt} (${message.content.single ? 'one of' : 'any of'}: ${message.content.choices.join(', ')})`
    case 'reply': {
      const { answer } = message.content
      return typeof answer === 'string' ? answer : answer.length === 0 ? '(none)' : answer.join(', ')
    }
    case 'error':
      return message.content.long === null ? message.content.short : `${message.content.short}\n${message.content.long}`
    case 'workflow_completed':
      return message.content.result === null ? '(no result)' : `result: ${message.content.result}`
    default:
      return unknownContent(message)
  }
}

/** A type this console does not know (a newer server's): shown as JSON rather than dropped. */
function unknownContent(message: never): string {
  return json((message as { content?: unknown }).content)
}

function json(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value)
}
