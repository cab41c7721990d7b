import { TrieRouter } from 'hono/router/trie-router'

/** What is read of a Hono app: its routes (`app.routes`). */
interface RoutedApp {
  readonly routes: readonly { method: string; path: string }[]
}

/**
 * The methods the app's routes take at a path, for the 405 of a request no route answered:
 * `['GET', 'HEAD', 'POST']`, or none when no route has the path at all (a 404).
 *
 * It is asked from the app's not-found handler, not from a middleware wrapping every request (as
 * `hono/method-not-allowed` does): a wrapping middleware is one more suspended async frame for
 * every held long-poll, and work on every request, for the rare request that needs it.
 */
export function createAllowedMethods(app: RoutedApp): (path: string) => string[] {
  let router: TrieRouter<string[]> | undefined
  return (path) => {
    router ??= routerOf(app)
    const allowed = new Set<string>()
    for (const [methods] of router.match('ALL', path)[0]) for (const method of methods) allowed.add(method)
    return [...allowed]
  }
}

/** Built on first use, once every route is registered. */
function routerOf(app: RoutedApp): TrieRouter<string[]> {
  const byPath = new Map<string, Set<string>>()
  for (const route of app.routes) {
    if (route.method === 'ALL' || route.method === 'HEAD') continue
    const methods = byPath.get(route.path) ?? new Set<string>()
    methods.add(route.method)
    // A GET route answers HEAD too.
    if (route.method === 'GET') methods.add('HEAD')
    byPath.set(route.path, methods)
  }
  const router = new TrieRouter<string[]>()
  for (const [path, methods] of byPath) router.add('ALL', path, [...methods])
  return router
}
