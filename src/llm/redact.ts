/**
 * Masks what looks like a credential in text bound for a client or the server's log: an LLM
 * endpoint's error body may echo the request's headers (a gateway answering 401 with them), and a
 * thrown error may quote a URL with a key in it. Used wherever such text leaves the process:
 * the LLM client's errors, a failed run's `error`, the server's log lines about runs.
 *
 * @example
 * redactSecrets('401: {"authorization":"Bearer sk-abc123…"}') // '401: {"authorization":"[REDACTED]"}'
 */
export const REDACTED = '[REDACTED]'

/** What a client sees of an endpoint's reply: this many characters at most, after redaction. */
export const MAX_REASON_CHARS = 200

const SECRET_NAMES =
  '(?:proxy-)?authorization|x-api-key|api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|client[-_]?secret|secret[-_]?key|password|passwd'

/** One word of an unquoted value (a mask put there already counts as one). */
const WORD = String.raw`(?:\[REDACTED\]|[^\s,;&"'{}\[\]]+)`

const PATTERNS: [RegExp, string][] = [
  // "authorization": "…", 'api-key': '…' (JSON, a dict's repr): the whole quoted value.
  [new RegExp(String.raw`(["'])(${SECRET_NAMES})\1(\s*[:=]\s*)(["'])(?:\\.|(?!\4).)*\4`, 'gi'), `$1$2$1$3$4${REDACTED}$4`],
  // authorization: Bearer … / x-api-key=… (a header line, a query or form field): the value, to the line's or field's end.
  [new RegExp(String.raw`\b(${SECRET_NAMES})(\s*[:=]\s*)(?!["'])(?:(?:Bearer|Basic|Token|Digest)[ \t]+)?${WORD}`, 'gi'), `$1$2${REDACTED}`],
  // An auth scheme's credentials wherever they stand.
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // Key-like tokens: OpenAI's and Anthropic's sk-…, and the usual prefixed provider keys.
  [/\b(sk|pk|rk)-[A-Za-z0-9_*-]{6,}/g, `$1-${REDACTED}`],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{20,}|AKIA[0-9A-Z]{16})\b/g, REDACTED],
  // user:password@ in a URL.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`],
]

/**
 * `text` with every key-like value masked. `known` are secrets the caller holds (the configured
 * API key): masked wherever they appear, whatever they look like.
 */
export function redactSecrets(text: string, known: readonly (string | undefined)[] = []): string {
  let redacted = text
  for (const secret of known) {
    if (secret !== undefined && secret.length >= 4) redacted = redacted.split(secret).join(REDACTED)
  }
  for (const [pattern, replacement] of PATTERNS) redacted = redacted.replace(pattern, replacement)
  return redacted
}

/** Redacted, then cut to `max` characters (an ellipsis says so), on one line: a reason fit for a client. */
export function shortReason(text: string, known: readonly (string | undefined)[] = [], max = MAX_REASON_CHARS): string {
  const line = redactSecrets(text, known).replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max)}…` : line
}
