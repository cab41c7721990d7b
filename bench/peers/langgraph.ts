import type { HttpClient } from '../http-client.ts'
import { expectOk } from '../http-client.ts'
import type { PeerDefinition } from './peer.ts'

/**
 * The LangGraph.js dev server (`langgraphjs dev`, in-memory): a one-node graph that
 * `interrupt()`s for a human and is resumed with `Command({ resume })` on the same thread.
 */

const GRAPH = `import { Annotation, END, interrupt, START, StateGraph } from '@langchain/langgraph'

const State = Annotation.Root({ topic: Annotation(), answer: Annotation() })
export const graph = new StateGraph(State)
  .addNode('ask', (state) => ({ answer: interrupt({ prompt: 'A question about ' + state.topic + '?' }) }))
  .addEdge(START, 'ask')
  .addEdge('ask', END)
  .compile()
`

export const langgraph: PeerDefinition = {
  name: 'langgraph',
  packages: ['@langchain/langgraph-cli@2.0.0', '@langchain/langgraph@1.3.0', '@langchain/core@1.4.0'],
  files: {
    'graph.mjs': GRAPH,
    'langgraph.json': `${JSON.stringify({ node_version: '20', graphs: { one_question: './graph.mjs:graph' }, dependencies: ['.'] })}\n`,
    // The CLI appends to .gitignore when it lacks this line; having it keeps the folder quiet.
    '.gitignore': '.langgraph_api\n',
  },
  // One queue worker per client, so the dev server's default of 10 does not cap the round trips.
  command: (port, clients) => [
    'node_modules/.bin/langgraphjs',
    'dev',
    '--no-browser',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--n-jobs-per-worker',
    String(clients),
  ],
  env: { LANGGRAPH_CLI_NO_ANALYTICS: '1', LANGSMITH_TRACING: 'false', LANGCHAIN_TRACING_V2: 'false', BROWSER: 'none' },
  readyPath: '/ok',
  adapter: 'langgraph',
  scratch: ['.langgraph_api'],
}

/** A thread, a run that stops at the interrupt, and a run that resumes it to the end. */
export async function langgraphRoundTrip(http: HttpClient): Promise<void> {
  const thread = await expectOk<{ thread_id: string }>(http.request('POST', '/threads', {}), 'create thread')
  const path = `/threads/${thread.thread_id}/runs/wait`
  const interrupted = await expectOk<Record<string, unknown>>(
    http.request('POST', path, { assistant_id: 'one_question', input: { topic: 'bench' } }),
    'run until interrupt',
  )
  if (!('__interrupt__' in interrupted)) throw new Error('the run did not stop at the interrupt')
  const done = await expectOk<{ answer?: unknown }>(
    http.request('POST', path, { assistant_id: 'one_question', command: { resume: 'yes' } }),
    'resume',
  )
  if (done.answer !== 'yes') throw new Error(`the resumed run answered ${JSON.stringify(done).slice(0, 100)}`)
}
