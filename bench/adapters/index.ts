import type { HttpClient } from '../http-client.ts'
import { langgraphRoundTrip } from '../peers/langgraph.ts'
import { mastraRoundTrip } from '../peers/mastra.ts'
import type { AdapterName } from '../protocol.ts'
import { logApiRoundTrip } from './log-api.ts'

/** One human-in-the-loop round trip per target, each in that target's own API. */
export const ROUND_TRIPS: Record<AdapterName, (http: HttpClient) => Promise<void>> = {
  'log-api': logApiRoundTrip,
  mastra: mastraRoundTrip,
  langgraph: langgraphRoundTrip,
}
