/**
 * A mistake in how the command was started (a flag, the environment, a busy file): printed as one
 * line. Exit code 1, or the one given: 2 for a start refused as unsafe (`parley serve` exposed
 * without keys), so a script can tell it from an ordinary failure.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
    this.name = 'CliError'
  }
}
