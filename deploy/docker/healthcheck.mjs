/* global process, fetch, AbortSignal, console */
// Container health check without curl (the slim image has none): GET http://127.0.0.1:$PRM_PORT/health/<probe>,
// exit 0 on a 2xx answer within 4 s, else 1. Usage: node healthcheck.mjs [live|ready] (default live).
const probe = process.argv[2] ?? 'live';
if (probe !== 'live' && probe !== 'ready') {
  console.error(`healthcheck: probe must be live or ready (got ${probe})`);
  process.exit(2);
}
const port = process.env.PRM_PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/health/${probe}`, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) console.error(`healthcheck: /health/${probe} answered ${res.status}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`healthcheck: /health/${probe} on port ${port}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
