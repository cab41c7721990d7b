#!/usr/bin/env node
// Loads TypeScript on the fly (tsx), so `parley serve ./my-workflows.ts` needs no build step.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
