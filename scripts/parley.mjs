#!/usr/bin/env node
// The `parley` command from the TypeScript sources, without a build: what the tests, the bench
// start. Users get bin/parley.mjs, which runs the compiled dist/.
import { register as registerCommonJs } from 'tsx/cjs/api'
import { register } from 'tsx/esm/api'

registerCommonJs()
register()
await import('../src/cli/main.ts')
