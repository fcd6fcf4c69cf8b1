import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';

import { expectEventually } from '@prm/testing';

/** Whether nothing listens on 127.0.0.1:`port` (checked by binding it briefly). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The all-in-one prm process started by the demo. */
export interface PrmProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Last lines prm wrote (stdout and stderr), for error reports. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10000). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node <mainJs>` with `env`, appends its output to `logFile`, and waits until
 * `GET <baseUrl>/health/ready` answers 200.
 * @throws Error carrying prm's last output when it exits or is not ready within `timeoutMs` (default 60000)
 */
export async function startPrm(opts: {
  mainJs: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  port: number;
  logFile: string;
  timeoutMs?: number;
}): Promise<PrmProcess> {
  const baseUrl = `http://127.0.0.1:${opts.port}`;
  const out = createWriteStream(opts.logFile, { flags: 'a' });
  const lines: string[] = [];
  const child = spawn(process.execPath, [opts.mainJs], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    out.write(chunk);
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 80) lines.splice(0, lines.length - 80);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exitedSignal = new AbortController();
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exitedSignal.abort();
      resolve();
    }),
  );
  const prm: PrmProcess = {
    child,
    baseUrl,
    tail: () => lines.join('\n'),
    stop: async (graceMs = 10_000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      out.end();
    },
  };
  try {
    await expectEventually(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`prm exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`);
        }
        const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) });
        if (res.status !== 200) throw new Error(`GET /health/ready answered ${res.status}: ${await res.text()}`);
      },
      { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 500, message: 'prm readiness', signal: exitedSignal.signal },
    );
  } catch (error: unknown) {
    await prm.stop(2000);
    throw new Error(`${(error as Error).message}\n--- last prm output (${opts.logFile}) ---\n${prm.tail()}`);
  }
  return prm;
}

/** Outcome of registering one endpoint. */
export interface RegisterResult {
  name: string;
  status: 'created' | 'updated';
  id: string | null;
}

/**
 * `POST /api/endpoints` with `payload`. On 409 (an endpoint of that name is left from an earlier demo, whose
 * clusters had other ports) the existing endpoint is updated with `PATCH` so it points at this run's cluster.
 * @throws Error with the status and the API error body for any other non-2xx answer
 */
export async function registerEndpoint(
  baseUrl: string,
  payload: { name: string },
  apiToken: string,
): Promise<RegisterResult> {
  const res = await fetch(`${baseUrl}/api/endpoints`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiToken}` },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status === 409) return updateEndpoint(baseUrl, payload, apiToken);
  if (!res.ok) throw new Error(`POST /api/endpoints (${payload.name}) answered ${res.status}: ${text}`);
  let id: string | null = null;
  try {
    const body = JSON.parse(text) as { id?: string; endpoint?: { id?: string } };
    id = body.id ?? body.endpoint?.id ?? null;
  } catch {
    id = null;
  }
  return { name: payload.name, status: 'created', id };
}

/** Finds the endpoint named `payload.name` and PATCHes it with `payload` (re-checked live by prm). */
async function updateEndpoint(baseUrl: string, payload: { name: string }, apiToken: string): Promise<RegisterResult> {
  const authorization = `Bearer ${apiToken}`;
  const list = await fetch(`${baseUrl}/api/endpoints`, {
    headers: { authorization },
    signal: AbortSignal.timeout(30_000),
  });
  const endpoints = (await list.json()) as { id: string; name: string }[];
  const existing = endpoints.find((e) => e.name === payload.name);
  if (!existing) throw new Error(`POST /api/endpoints (${payload.name}) answered 409 but no endpoint has that name`);
  const res = await fetch(`${baseUrl}/api/endpoints/${existing.id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok)
    throw new Error(
      `PATCH /api/endpoints/${existing.id} (${payload.name}) answered ${res.status}: ${await res.text()}`,
    );
  return { name: payload.name, status: 'updated', id: existing.id };
}
