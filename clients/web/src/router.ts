/** The page's place, kept in the URL hash so a reload or a shared link opens the same thing. */
export type Route = { view: 'home' } | { view: 'inbox' } | { view: 'workflow'; name: string } | { view: 'run'; runId: string }

/** `#/workflows/greet` → workflow greet; `#/runs/<id>` → that run; `#/inbox` → the inbox; anything else → home. */
export function parseRoute(hash: string): Route {
  if (/^#\/inbox\/?$/.test(hash)) return { view: 'inbox' }
  const [, kind, value] = /^#\/(workflows|runs)\/([^/]+)\/?$/.exec(hash) ?? []
  if (!kind || !value) return { view: 'home' }
  const decoded = safeDecode(value)
  if (decoded === undefined) return { view: 'home' }
  return kind === 'runs' ? { view: 'run', runId: decoded } : { view: 'workflow', name: decoded }
}

export function routeHref(route: Route): string {
  switch (route.view) {
    case 'home':
      return '#/'
    case 'inbox':
      return '#/inbox'
    case 'workflow':
      return `#/workflows/${encodeURIComponent(route.name)}`
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`
  }
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}
