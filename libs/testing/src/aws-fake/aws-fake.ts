/**
 * A protocol-level fake of AWS endpoints for tests: a node:http server on 127.0.0.1 that speaks the AWS JSON
 * protocol (`POST /`, `X-Amz-Target: <service>.<Operation>`, JSON body; errors as HTTP 400 with
 * `{"__type": ..., "message": ...}`, see the Smithy "AWS JSON 1.1 protocol" spec). Point a real SDK client at it with
 * `endpoint: fake.endpoint` and static credentials. Signatures are not checked.
 *
 * Services: Secrets Manager (JSON 1.1, `secretsmanager.*`), CloudWatch Logs (JSON 1.1,
 * `Logs_20140328.FilterLogEvents`). Routing is by target prefix so SQS (JSON 1.0, `AmazonSQS.*`) can be added as
 * another entry of `SERVICES`. RDS speaks the AWS Query protocol instead (form-encoded `POST /` with `Action=...`,
 * XML responses, errors as `<ErrorResponse><Error><Code>`): `DescribeDBLogFiles` and `DownloadDBLogFilePortion`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSqsFake, type SqsFake, SqsFakeError } from './sqs-fake.js';

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
  /**
   * RDS log files: instance id → file name (`error/postgresql.log.2026-11-29-15`) → content and `LastWritten` (ms).
   * Append to `data` and bump `lastWritten` to simulate the server writing.
   */
  rdsLogs: Map<string, Map<string, { data: string; lastWritten: number }>>;
  /** Bytes `DownloadDBLogFilePortion` returns per call at most (RDS: 1 MB); lower it to test markers. */
  rdsPortionBytes: number;
  /** CloudWatch Logs: log group → events (message, timestamp ms; eventId assigned when missing). */
  logEvents: Map<string, { message: string; timestamp: number; eventId?: string; logStreamName?: string }[]>;
  /** Events `FilterLogEvents` returns per page at most (the service: 10000 or 1 MB). */
  logEventsPageSize: number;
  /** SQS (AWS JSON 1.0, `AmazonSQS.*`): create queues, read what was sent (see sqs-fake.ts). */
  sqs: SqsFake;
  /**
   * SNS (AWS Query protocol, `Version=2010-03-31`): topic ARN → messages published to it. Add a topic (empty array)
   * before publishing; `Publish` to an unknown topic fails with `NotFound`.
   */
  snsTopics: Map<string, { subject: string | null; message: string; messageId: string }[]>;
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
  rdsLogs: AwsFake['rdsLogs'];
  rdsPortionBytes: number;
  logEvents: AwsFake['logEvents'];
  logEventsPageSize: number;
  sqs: ReturnType<typeof createSqsFake>;
  snsTopics: AwsFake['snsTopics'];
}

type Handler = (op: string, body: Record<string, unknown>, state: FakeState) => unknown | Promise<unknown>;

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

const FAKE_ACCOUNT = '111122223333';

/** CloudWatch Logs `FilterLogEvents` (JSON 1.1): startTime/endTime inclusive/exclusive, nextToken = next index. */
const cloudWatchLogs: Handler = (op, body, state) => {
  if (op !== 'FilterLogEvents') {
    throw new AwsFakeError('UnknownOperationException', `Logs_20140328.${op} is not implemented by the fake`);
  }
  const group = typeof body.logGroupName === 'string' ? body.logGroupName : '';
  const region = typeof body.__region === 'string' ? body.__region : 'us-east-1';
  checkDenied(state, 'logs:FilterLogEvents', `arn:aws:logs:${region}:${FAKE_ACCOUNT}:log-group:${group}:*`);
  const events = state.logEvents.get(group);
  if (!events) throw new AwsFakeError('ResourceNotFoundException', 'The specified log group does not exist.');
  events.forEach((e, i) => {
    e.eventId ??= String(i).padStart(20, '0');
  });
  const start = typeof body.startTime === 'number' ? body.startTime : 0;
  const end = typeof body.endTime === 'number' ? body.endTime : Number.MAX_SAFE_INTEGER;
  const matching = events
    .filter((e) => e.timestamp >= start && e.timestamp < end)
    .sort((a, b) => a.timestamp - b.timestamp);
  const from = typeof body.nextToken === 'string' ? Number(body.nextToken) : 0;
  const limit =
    typeof body.limit === 'number' ? Math.min(body.limit, state.logEventsPageSize) : state.logEventsPageSize;
  const page = matching.slice(from, from + limit);
  return {
    events: page.map((e) => ({
      logStreamName: e.logStreamName ?? 'postgresql',
      timestamp: e.timestamp,
      message: e.message,
      ingestionTime: e.timestamp,
      eventId: e.eventId,
    })),
    searchedLogStreams: [],
    ...(from + limit < matching.length ? { nextToken: String(from + limit) } : {}),
  };
};

/** Target prefix → protocol content type and handler. */
const SERVICES: Record<string, { contentType: string; handler: Handler }> = {
  secretsmanager: { contentType: 'application/x-amz-json-1.1', handler: secretsManager },
  Logs_20140328: { contentType: 'application/x-amz-json-1.1', handler: cloudWatchLogs },
  AmazonSQS: {
    contentType: 'application/x-amz-json-1.0',
    handler: async (op, body, state) => {
      try {
        return await state.sqs.handle(op, body);
      } catch (err) {
        if (err instanceof SqsFakeError) throw new AwsFakeError(err.type, err.message);
        throw err;
      }
    },
  },
};

const xmlEscape = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;');

/** RDS (AWS Query protocol): returns the inner XML of `<{Action}Result>`, throws AwsFakeError (status 4xx). */
function rds(params: URLSearchParams, region: string, state: FakeState): string {
  const action = params.get('Action') ?? '';
  const id = params.get('DBInstanceIdentifier') ?? '';
  const arn = `arn:aws:rds:${region}:${FAKE_ACCOUNT}:db:${id}`;
  if (action !== 'DescribeDBLogFiles' && action !== 'DownloadDBLogFilePortion') {
    throw new AwsFakeError('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
  try {
    checkDenied(state, `rds:${action}`, arn);
  } catch (err) {
    throw new AwsFakeError('AccessDenied', (err as Error).message, 403);
  }
  const files = state.rdsLogs.get(id);
  if (!files) throw new AwsFakeError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
  if (action === 'DescribeDBLogFiles') {
    const since = Number(params.get('FileLastWritten') ?? 0);
    const rows = [...files.entries()]
      .filter(([, f]) => f.lastWritten >= since)
      .map(
        ([name, f]) =>
          `<DescribeDBLogFilesDetails><LastWritten>${f.lastWritten}</LastWritten><LogFileName>${xmlEscape(name)}</LogFileName><Size>${Buffer.byteLength(f.data)}</Size></DescribeDBLogFilesDetails>`,
      );
    return `<DescribeDBLogFiles>${rows.join('')}</DescribeDBLogFiles>`;
  }
  const name = params.get('LogFileName') ?? '';
  const file = files.get(name);
  if (!file) throw new AwsFakeError('DBLogFileNotFoundFault', `DBLogFile ${name} not found.`, 404);
  const bytes = Buffer.from(file.data, 'utf8');
  const from = Number(params.get('Marker') ?? '0') || 0;
  // whole lines only, like RDS; a single line longer than the portion is cut
  let to = Math.min(bytes.length, from + state.rdsPortionBytes);
  if (to < bytes.length) {
    const nl = bytes.lastIndexOf(0x0a, to - 1);
    if (nl >= from) to = nl + 1;
  }
  return `<LogFileData>${xmlEscape(bytes.subarray(from, to).toString('utf8'))}</LogFileData><AdditionalDataPending>${to < bytes.length}</AdditionalDataPending><Marker>${to}</Marker>`;
}

/** SNS `Publish` (AWS Query protocol): returns the inner XML of `<PublishResult>`, throws AwsFakeError. */
function sns(params: URLSearchParams, state: FakeState): string {
  const action = params.get('Action') ?? '';
  if (action !== 'Publish') {
    throw new AwsFakeError('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
  const arn = params.get('TopicArn') ?? '';
  checkDenied(state, 'sns:Publish', arn);
  const topic = state.snsTopics.get(arn);
  if (!topic) throw new AwsFakeError('NotFound', 'Topic does not exist', 404);
  const message = params.get('Message');
  if (!message) throw new AwsFakeError('InvalidParameter', 'Invalid parameter: Empty message');
  const messageId = randomUUID();
  topic.push({ subject: params.get('Subject'), message, messageId });
  return `<MessageId>${messageId}</MessageId>`;
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml) });
  res.end(xml);
}

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
  const state: FakeState = {
    secrets: new Map(),
    denied: new Set(),
    kmsDenied: new Set(),
    rdsLogs: new Map(),
    rdsPortionBytes: 1024 * 1024,
    logEvents: new Map(),
    logEventsPageSize: 10_000,
    sqs: createSqsFake(() => endpoint),
    snsTopics: new Map(),
  };
  let endpoint = '';
  const requests: AwsFakeRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        await handleQuery(req, res);
        return;
      }
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
        send(res, 200, contentType, await service.handler(op, { ...body, __region: region ?? undefined }, state));
      } catch (err) {
        const e = err instanceof AwsFakeError ? err : new AwsFakeError('InternalFailure', String(err), 500);
        send(res, e.status, contentType, { __type: e.type, message: e.message }, e.type);
      }
    })();
  });
  const regionOf = (req: IncomingMessage): string | null =>
    /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? null;
  async function handleQuery(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = new URLSearchParams(await readBody(req));
    const region = regionOf(req);
    const action = params.get('Action') ?? '';
    const isSns = params.get('Version') === '2010-03-31';
    requests.push({
      target: `${isSns ? 'sns' : 'rds'}.${action}`,
      body: Object.fromEntries(params),
      region,
      contentType: req.headers['content-type'] ?? null,
    });
    const requestId = randomUUID();
    const ns = isSns ? 'http://sns.amazonaws.com/doc/2010-03-31/' : 'http://rds.amazonaws.com/doc/2014-10-31/';
    try {
      const inner = isSns ? sns(params, state) : rds(params, region ?? 'us-east-1', state);
      sendXml(
        res,
        200,
        `<${action}Response xmlns="${ns}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (err) {
      const e = err instanceof AwsFakeError ? err : new AwsFakeError('InternalFailure', String(err), 500);
      sendXml(
        res,
        e.status,
        `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${e.type}</Code><Message>${xmlEscape(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    sqs: state.sqs,
    snsTopics: state.snsTopics,
    secrets: state.secrets,
    rdsLogs: state.rdsLogs,
    get rdsPortionBytes() {
      return state.rdsPortionBytes;
    },
    set rdsPortionBytes(n: number) {
      state.rdsPortionBytes = n;
    },
    logEvents: state.logEvents,
    get logEventsPageSize() {
      return state.logEventsPageSize;
    },
    set logEventsPageSize(n: number) {
      state.logEventsPageSize = n;
    },
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
