#!/usr/bin/env node
// The `parley` command, from the compiled package (dist/, written by `npm run build`).
// tsx loads TypeScript on the fly, so `parley serve ./my-workflows.ts` needs no build step.
import { register as registerCommonJs } from 'tsx/cjs/api'
import { register } from 'tsx/esm/api'

// Both hooks: a workflows module in a project without "type": "module" loads as CommonJS,
// and with the ESM hook alone Node refuses it (ERR_REQUIRE_CYCLE_MODULE).
registerCommonJs()
register()
await import('../dist/src/cli/main.js')
