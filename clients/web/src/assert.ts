/** The end of an exhaustive switch: a compile error when a case is missing, a throw if one slips through. */
export function unreachable(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`)
}
