import type { WebUIBundle } from './web-ui-assets.ts'

export interface IndexHtmlOptions {
  /** The API the page talks to; empty for the page's own origin. */
  apiBaseUrl: string
  /** Where the bundle's files are served, e.g. `/ui/`. */
  assetsPath: string
}

/** The page's HTML: a shell the script fills; the API's address travels in `<meta name="parley-api">`. */
export function indexHtml(bundle: WebUIBundle, options: IndexHtmlOptions): string {
  const asset = (name: string, hash: string) => escapeAttribute(`${options.assetsPath}${name}?v=${hash}`)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="parley-api" content="${escapeAttribute(options.apiBaseUrl)}">
<title>Parley</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('app.css', bundle.css.hash)}">
<script type="module" src="${asset('app.js', bundle.js.hash)}"></script>
</head>
<body>
<noscript>The Parley web UI needs JavaScript. The API itself is documented at <a href="/docs">/docs</a>.</noscript>
</body>
</html>
`
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
