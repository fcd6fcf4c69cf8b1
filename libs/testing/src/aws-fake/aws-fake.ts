/**
 * A protocol-level fake of AWS endpoints for tests: a node:http server on 127.0.0.1 that speaks the AWS JSON
 * protocol (`POST /`, `X-Amz-Target: <service>.<Operation>`, JSON body; errors as HTTP 400 with
 * `{"__type": ..., "message": ...}`, see the Smithy "AWS JSON 1.1 protocol" spec). Point a real SDK client at it with
 * `endpoint: fake.endpoint` and static credentials. Signatures are not checked.
 *
 * Services: Secrets Manager (JSON 1.1, `secretsmanager.*`). Routing is by target prefix so SQS (JSON 1.0,
 * `AmazonSQS.*`) can be added as another entry of `SERVICES`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** The principal named in fake AccessDenied messages. */
export const FAKE_PRINCIPAL = 'arn:aws:sts::111122223333:assumed-role/prm-task/abc';

/** One request the fake received. */
export interface AwsFakeRequest {
  /** `X-Amz-Target`, e.g. `secretsmanager.GetSecretValue`. */
  target: string;
  body: unknown;
  /** Region from the SigV4 credential scope of the Authorization header, if any. */
  region: string | null;
  contentType: string | null;
}

/** A running fake; see {@link startAwsFake}. */
export interface AwsFake {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint` option. */
  endpoint: string;
  /** Secret ARN → SecretString. Tests add, change (rotate) and delete entries directly. */
  secrets: Map<string, string>;
  /** Makes `action` (IAM name, e.g. `secretsmanager:GetSecretValue`) on `resource` (ARN or `*`) fail with AccessDenied. */
  deny(action: string, resource: string): void;
  /** Makes reading this secret fail as if its KMS key denied `kms:Decrypt` (DecryptionFailure). */
  denyKms(arn: string): void;
  /** Every request received, in order. */
  requests: AwsFakeRequest[];
  stop(): Promise<void>;
}

class AwsFakeError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface FakeState {
  secrets: Map<string, string>;
  denied: Set<string>;
  kmsDenied: Set<string>;
}

type Handler = (op: string, body: Record<string, unknown>, state: FakeState) => unknown;

function checkDenied(state: FakeState, action: string, resource: string): void {
  if (state.denied.has(`${action} ${resource}`) || state.denied.has(`${action} *`)) {
    throw new AwsFakeError(
      'AccessDeniedException',
      `User: ${FAKE_PRINCIPAL} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
    );
  }
}

/** Finds a secret by full ARN or by name (the ARN's `secret:<name>-XXXXXX` part without the random suffix). */
function findSecret(state: FakeState, id: string): string | undefined {
  if (state.secrets.has(id)) return id;
  for (const arn of state.secrets.keys()) {
    const name = /:secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(arn)?.[1];
    if (name === id) return arn;
  }
  return undefined;
}

const secretsManager: Handler = (op, body, state) => {
  const id = typeof body.SecretId === 'string' ? body.SecretId : '';
  const arnOf = (): string => {
    const arn = findSecret(state, id);
    checkDenied(state, `secretsmanager:${op}`, arn ?? id);
    if (!arn) throw new AwsFakeError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return arn;
  };
  const nameOf = (arn: string): string => /:secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(arn)?.[1] ?? arn;
  switch (op) {
    case 'GetSecretValue': {
      const arn = arnOf();
      if (state.kmsDenied.has(arn)) throw new AwsFakeError('DecryptionFailure', 'Access to KMS is not allowed');
      return {
        ARN: arn,
        Name: nameOf(arn),
        VersionId: randomUUID(),
        SecretString: state.secrets.get(arn),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      };
    }
    case 'DescribeSecret': {
      const arn = arnOf();
      return { ARN: arn, Name: nameOf(arn), RotationEnabled: false };
    }
    default:
      throw new AwsFakeError('UnknownOperationException', `secretsmanager.${op} is not implemented by the fake`);
  }
};

/** Target prefix → protocol content type and handler. */
const SERVICES: Record<string, { contentType: string; handler: Handler }> = {
  secretsmanager: { contentType: 'application/x-amz-json-1.1', handler: secretsManager },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, contentType: string, payload: unknown, errorType?: string): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  res.end(text);
}

/**
 * Starts the fake on a free loopback port.
 * @returns the handle; call `stop()` in `afterAll`.
 */
export async function startAwsFake(): Promise<AwsFake> {
  const state: FakeState = { secrets: new Map(), denied: new Set(), kmsDenied: new Set() };
  const requests: AwsFakeRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const [prefix, op = ''] = target.split('.');
      const service = SERVICES[prefix];
      const contentType = service?.contentType ?? 'application/x-amz-json-1.1';
      try {
        const raw = await readBody(req);
        let body: Record<string, unknown> = {};
        try {
          body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        } catch {
          throw new AwsFakeError('SerializationException', 'request body is not JSON');
        }
        const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? null;
        requests.push({ target, body, region, contentType: req.headers['content-type'] ?? null });
        if (req.method !== 'POST' || !service) {
          throw new AwsFakeError('UnknownOperationException', `unknown target "${target}"`);
        }
        send(res, 200, contentType, service.handler(op, body, state));
      } catch (err) {
        const e = err instanceof AwsFakeError ? err : new AwsFakeError('InternalFailure', String(err), 500);
        send(res, e.status, contentType, { __type: e.type, message: e.message }, e.type);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    secrets: state.secrets,
    requests,
    deny: (action, resource) => state.denied.add(`${action} ${resource}`),
    denyKms: (arn) => state.kmsDenied.add(arn),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
