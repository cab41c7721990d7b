/** Served at `/` until a web UI is mounted there: tells a newcomer where to go. */
export const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Parley</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Parley</h1>
<p>Multi-agent workflows behind a versioned REST API.</p>
<ul>
<li><a href="/docs">API documentation (Swagger UI)</a></li>
<li><a href="/openapi.json">OpenAPI document</a></li>
<li><a href="/v1/workflows">Workflows</a></li>
</ul>
</body>
</html>`
