import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'

/**
 * better-sqlite3, the version that runs on this Node:
 * - 13 (Node-API, engines `>=22`) on Node 22 and later. 12 must not run there: from Node 24.19 its
 *   Statement and Database destructors (raw `node::ObjectWrap`) abort the process with
 *   `Assertion failed: (env) != nullptr` when the garbage collector finalises one.
 * - 12 (installed as `better-sqlite3-node20`) on Node 20, where 13 crashes on load.
 * Both have the same API; the types are @types/better-sqlite3's.
 */
const NODE_MAJOR = Number(process.versions.node.split('.')[0])
const load = createRequire(import.meta.url)
const Database: typeof BetterSqlite3 = load(NODE_MAJOR >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20')

type Database = BetterSqlite3.Database

export { Database }
