import { ConfigError } from '../config.ts'
import { CliError } from './cli-error.ts'

const USAGE = `Usage:
  parley serve [workflows.ts] [--port 8008] [--host 127.0.0.1] [--store sqlite|memory|postgres] [--db .parley/parley.db] [--no-worker] [--allow-no-auth]
  parley worker [workflows.ts]       executes runs for API processes started with --no-worker (PostgreSQL)
  parley migrate                     brings the PostgreSQL schema up to date (DATABASE_URL)
  parley ui --api http://localhost:8008 [--port 8888]   the web UI alone, on its own origin
  parley spec [workflows.ts] [--output openapi.json]   the module's OpenAPI document, without a server
  parley chat WORKFLOW [--param k=v …] [--url http://127.0.0.1:8008]   a console client: start a run, answer its questions
  parley chat --run RUN_ID [--url …]   attach to a run: its log so far, then live

Without a module, serves the example workflows. parley <command> --help for a command's options.\nEnvironment: see the README (Configuration).`

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      return (await import('./serve-command.ts')).serveCommand(rest)
    case 'worker':
      return (await import('./worker-command.ts')).workerCommand(rest)
    case 'migrate':
      return (await import('./migrate-command.ts')).migrateCommand(rest)
    case 'ui':
      return (await import('./ui-command.ts')).uiCommand(rest)
    case 'spec':
      return (await import('./spec-command.ts')).specCommand(rest)
    case 'chat':
      return (await import('./chat/chat-command.ts')).chatCommand(rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE)
      return
    default:
      throw new CliError(`unknown command "${command}"\n${USAGE}`, 2)
  }
}

try {
  await main(process.argv.slice(2))
} catch (error) {
  // What the user got wrong is one line; anything else keeps its stack for the bug report.
  if (!(error instanceof CliError || error instanceof ConfigError)) throw error
  console.error(`parley: ${error.message}`)
  process.exitCode = error instanceof CliError ? error.exitCode : 1
}
