/** The fields that are set: `{ maxTokensPerRun: undefined }` keeps the default. */
export function definedOnly<T extends object>(partial: Partial<T> | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(partial ?? {}).filter(([, value]) => value !== undefined)) as Partial<T>
}
