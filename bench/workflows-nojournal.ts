import { defineWorkflow } from 'parley-server'
import { one_question as journaled } from './workflows.ts'

/**
 * The round-trip workflow with `resume: false`, which keeps no journal: the bench's baseline for
 * what journaling costs (`parley-sqlite` against `parley-sqlite-nojournal`, same run).
 */
export const one_question = defineWorkflow({ ...journaled, resume: false })
