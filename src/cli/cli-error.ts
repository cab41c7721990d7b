/** A mistake in how the command was started (a flag, the environment, a busy file): printed as one line, exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CliError'
  }
}
