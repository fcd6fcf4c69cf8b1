import { readFile } from 'node:fs/promises';
import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { parse } from 'yaml';

/**
 * One endpoint to register at start: the body of `POST /api/endpoints` (`CreateEndpointDto`: name, host, port,
 * dbname, sslmode, cloud, role, credential reference, optional region/network/logSource). Never a password: the
 * credential is a reference (`aws-secret`, `rds-iam`, `env`).
 */
export type EndpointSpec = Record<string, unknown> & { name: string };

/** Thrown when a bootstrap source cannot be read or holds something that is not a list of endpoint specs. */
export class BootstrapSourceError extends Error {
  readonly code = 'bootstrap-source-invalid';
}

function asSpec(value: unknown, where: string, defaultName?: string): EndpointSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BootstrapSourceError(`${where}: an endpoint must be a mapping of fields`);
  }
  const spec = { ...(value as Record<string, unknown>) };
  if (spec.name === undefined && defaultName !== undefined) spec.name = defaultName;
  if (typeof spec.name !== 'string' || spec.name === '') {
    throw new BootstrapSourceError(`${where}: every endpoint needs a name`);
  }
  if ('password' in spec)
    throw new BootstrapSourceError(`${where}: passwords are not accepted; use a credential reference`);
  return spec as EndpointSpec;
}

/**
 * Parses a bootstrap document: YAML (or JSON) with `endpoints:` as a list of endpoint specs, or the list itself.
 * @throws BootstrapSourceError naming `where` (file or parameter) and the entry.
 */
export function parseBootstrapDocument(text: string, where: string): EndpointSpec[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new BootstrapSourceError(`${where}: not valid YAML: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { endpoints?: unknown } | null)?.endpoints;
  if (!Array.isArray(list)) throw new BootstrapSourceError(`${where}: expected a list under "endpoints:"`);
  return list.map((e, i) => asSpec(e, `${where}: endpoints[${i}]`));
}

/** Reads `PRM_BOOTSTRAP_FILE`. @throws BootstrapSourceError when unreadable or invalid. */
export async function loadBootstrapFile(path: string): Promise<EndpointSpec[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new BootstrapSourceError(
      `PRM_BOOTSTRAP_FILE ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }
  return parseBootstrapDocument(text, `PRM_BOOTSTRAP_FILE ${path}`);
}

/**
 * Reads every parameter under `PRM_BOOTSTRAP_SSM_PATH` (SSM `GetParametersByPath`, recursive, decrypted, all pages).
 * Each parameter holds either one endpoint (YAML/JSON mapping; `name` defaults to the parameter's last path segment)
 * or a document with `endpoints:`. Parameters are read in name order, so a later one wins a duplicate name.
 * @throws BootstrapSourceError for an invalid parameter; SDK errors (access denied, throttling) as thrown.
 */
export async function loadBootstrapSsm(client: Pick<SSMClient, 'send'>, path: string): Promise<EndpointSpec[]> {
  const params: { name: string; value: string }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, NextToken: token }),
    );
    for (const p of page.Parameters ?? []) {
      if (p.Name && p.Value !== undefined) params.push({ name: p.Name, value: p.Value });
    }
    token = page.NextToken;
  } while (token);
  params.sort((a, b) => a.name.localeCompare(b.name));
  return params.flatMap(({ name, value }) => {
    const where = `SSM parameter ${name}`;
    let doc: unknown;
    try {
      doc = parse(value);
    } catch (err) {
      throw new BootstrapSourceError(`${where}: not valid YAML/JSON: ${(err as Error).message}`);
    }
    if (doc && typeof doc === 'object' && 'endpoints' in doc) return parseBootstrapDocument(value, where);
    return [asSpec(doc, where, name.split('/').filter(Boolean).pop())];
  });
}

/** What the bootstrap writes through (the config service's `EndpointsService`). */
export interface EndpointBootstrapTarget {
  list(): Promise<{ id: string; name: string }[]>;
  create(body: unknown, force: boolean): Promise<unknown>;
  update(id: string, body: unknown, force: boolean): Promise<unknown>;
}

/** Outcome of {@link applyEndpointBootstrap}: endpoint names per action. */
export interface BootstrapOutcome {
  created: string[];
  updated: string[];
  unchanged: string[];
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Creates or updates each spec by name, idempotently: an endpoint whose stored fields already equal the spec is
 * left alone (no `endpoint.changed`); others are created or patched with `force=true`, so an endpoint that is down
 * at start still registers (its status shows the cause).
 * @throws the target's errors (e.g. DomainError `validation-failed`) prefixed with the endpoint's name.
 */
export async function applyEndpointBootstrap(
  specs: EndpointSpec[],
  target: EndpointBootstrapTarget,
): Promise<BootstrapOutcome> {
  const outcome: BootstrapOutcome = { created: [], updated: [], unchanged: [] };
  const existing = new Map((await target.list()).map((e) => [e.name, e as unknown as Record<string, unknown>]));
  for (const spec of specs) {
    const current = existing.get(spec.name);
    try {
      if (!current) {
        await target.create(spec, true);
        outcome.created.push(spec.name);
      } else if (Object.entries(spec).every(([k, v]) => sameValue(current[k], v))) {
        outcome.unchanged.push(spec.name);
      } else {
        await target.update(current.id as string, spec, true);
        outcome.updated.push(spec.name);
      }
    } catch (err) {
      const e = err as Error;
      e.message = `bootstrap endpoint ${spec.name}: ${e.message}`;
      throw e;
    }
  }
  return outcome;
}
