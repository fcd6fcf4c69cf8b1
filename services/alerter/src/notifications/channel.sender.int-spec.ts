import { createServer as createHttpServer } from 'node:http';
import { type Server, type Socket, createServer } from 'node:net';
import type { AlertView } from '@prm/contracts';
import { type AwsFake, freePort, startAwsFake } from '@prm/testing';
import { ChannelSender, DeliveryError, signWebhook } from './channel.sender.js';
import { buildMessage } from './message.js';
import { SecretResolver } from './secret.resolver.js';

/** One mail the SMTP sink accepted. */
interface Mail {
  from: string;
  to: string[];
  data: string;
  auth: string | null;
}

/**
 * A tiny SMTP sink (RFC 5321 subset on node:net): EHLO with AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
 * Accepts the password `password` only; stores every mail.
 */
async function startSmtpSink(password: string) {
  const mails: Mail[] = [];
  const server: Server = createServer((socket: Socket) => {
    let buf = '';
    let mail: Mail = { from: '', to: [], data: '', auth: null };
    let inData = false;
    let authLogin: 'user' | 'pass' | null = null;
    let user = '';
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 sink ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push(mail);
            mail = { from: '', to: [], data: '', auth: mail.auth };
            reply('250 queued');
          } else mail.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          continue;
        }
        if (authLogin === 'user') {
          user = Buffer.from(line, 'base64').toString();
          authLogin = 'pass';
          reply('334 UGFzc3dvcmQ6');
          continue;
        }
        if (authLogin === 'pass') {
          authLogin = null;
          const ok = Buffer.from(line, 'base64').toString() === password;
          if (ok) mail.auth = user;
          reply(ok ? '235 ok' : '535 bad credentials');
          continue;
        }
        const [verb = '', ...rest] = line.split(' ');
        const arg = rest.join(' ');
        switch (verb.toUpperCase()) {
          case 'EHLO':
            reply('250-sink');
            reply('250-AUTH PLAIN LOGIN');
            reply('250 8BITMIME');
            break;
          case 'HELO':
            reply('250 sink');
            break;
          case 'AUTH': {
            const [mech = '', initial] = arg.split(' ');
            if (mech.toUpperCase() === 'LOGIN') {
              authLogin = 'user';
              reply('334 VXNlcm5hbWU6');
            } else {
              const [, u = '', p = ''] = Buffer.from(initial ?? '', 'base64')
                .toString()
                .split('\0');
              if (p === password) mail.auth = u;
              reply(p === password ? '235 ok' : '535 bad credentials');
            }
            break;
          }
          case 'MAIL':
            mail.from = /<([^>]*)>/.exec(arg)?.[1] ?? '';
            reply('250 ok');
            break;
          case 'RCPT':
            mail.to.push(/<([^>]*)>/.exec(arg)?.[1] ?? '');
            reply('250 ok');
            break;
          case 'DATA':
            inData = true;
            reply('354 end with .');
            break;
          case 'QUIT':
            reply('221 bye');
            socket.end();
            break;
          default:
            reply('250 ok');
        }
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { mails, port, close: () => new Promise((r) => server.close(r)) };
}

const ALERT: AlertView = {
  id: '11111111-1111-4111-8111-111111111111',
  fingerprint: 'apply-error:stream:s1',
  kind: 'apply-error',
  severity: 'critical',
  state: 'firing',
  subject: { type: 'stream', id: 's1', name: 'replica-b/replica_b_sub' },
  summary: 'Duplicate key on public.customers stops replica-b/replica_b_sub: key (id)=(5)',
  facts: [
    { label: 'table', value: 'public.customers' },
    { label: 'conninfo', value: 'host=db password=hunter2 user=x' },
  ],
  remediation: [{ text: 'Skip it', command: `ALTER SUBSCRIPTION "replica_b_sub" SKIP (lsn = '0/25FD8E38');` }],
  endpointIds: [],
  streamIds: ['s1'],
  firstSeenAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: '2026-01-01T00:00:00.000Z',
  firedAt: '2026-01-01T00:00:00.000Z',
  resolvedAt: null,
  acknowledgedBy: null,
  acknowledgedAt: null,
  silencedUntil: null,
};

// Real protocol clients against local servers: SNS (the real @aws-sdk/client-sns against the protocol-level AWS fake,
// Query protocol), SMTP (nodemailer against a tiny SMTP sink with AUTH), webhook (fetch against node:http) with its
// HMAC secret from the fake's Secrets Manager. No credential ends up in what is delivered.
describe('channel sender against real protocol servers', () => {
  let fake: AwsFake;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let sender: ChannelSender;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, key: process.env.AWS_SECRET_ACCESS_KEY };
  const topic = 'arn:aws:sns:us-east-1:111122223333:prm-alerts';
  const secretArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prm-webhook-AbCdEf';

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAFAKE';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret';
    fake = await startAwsFake();
    fake.snsTopics.set(topic, []);
    fake.secrets.set(secretArn, JSON.stringify({ secret: 'whsec-from-aws' }));
    smtp = await startSmtpSink('smtp-pass');
    sender = new ChannelSender({
      secrets: new SecretResolver({ SMTP_PW: 'smtp-pass', WRONG_PW: 'nope' }, fake.endpoint),
      timeoutMs: 5000,
      awsEndpoint: fake.endpoint,
    });
  });

  afterAll(async () => {
    await fake?.stop();
    await smtp?.close();
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.key;
  });

  it('publishes to an SNS topic (subject ≤ 100 ASCII characters, text with the remediation command)', async () => {
    await sender.send({ kind: 'sns', topicArn: topic }, buildMessage('fired', [ALERT], new Date()));
    const [m] = fake.snsTopics.get(topic)!;
    expect(m!.subject!.length).toBeLessThanOrEqual(100);
    expect(m!.subject).toMatch(/^\[prm\] CRITICAL: Duplicate key/);
    expect(m!.message).toContain(`ALTER SUBSCRIPTION "replica_b_sub" SKIP (lsn = '0/25FD8E38');`);
    expect(m!.message).not.toContain('hunter2');
    expect(fake.requests.at(-1)).toMatchObject({ target: 'sns.Publish', region: 'us-east-1' });
  });

  it('maps SNS errors to the missing permission or topic', async () => {
    const missing = 'arn:aws:sns:us-east-1:111122223333:nope';
    await expect(
      sender.send({ kind: 'sns', topicArn: missing }, buildMessage('fired', [ALERT], new Date())),
    ).rejects.toThrow(DeliveryError);
    fake.deny('sns:Publish', topic);
    await expect(
      sender.send({ kind: 'sns', topicArn: topic }, buildMessage('fired', [ALERT], new Date())),
    ).rejects.toThrow(/sns:Publish/);
  });

  it('sends e-mail over SMTP with AUTH (password from an env reference) and reports a refused login', async () => {
    const config = {
      kind: 'email' as const,
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      user: 'prm',
      password: { kind: 'env' as const, name: 'SMTP_PW' },
      from: 'prm@example.com',
      to: ['dba@example.com', 'oncall@example.com'],
    };
    await sender.send(config, buildMessage('fired', [ALERT], new Date()));
    const [mail] = smtp.mails;
    expect(mail).toMatchObject({ from: 'prm@example.com', to: ['dba@example.com', 'oncall@example.com'], auth: 'prm' });
    expect(mail!.data).toContain('Subject: [prm] CRITICAL: Duplicate key');
    expect(mail!.data).toContain('public.customers');
    expect(mail!.data).not.toContain('hunter2');
    expect(mail!.data).not.toContain('smtp-pass');
    const err = await sender
      .send({ ...config, password: { kind: 'env', name: 'WRONG_PW' } }, buildMessage('fired', [ALERT], new Date()))
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as Error).message).toMatch(/SMTP 127\.0\.0\.1:\d+: EAUTH/);
    expect((err as Error).message).not.toContain('nope');
  });

  it('signs a webhook with the secret read from Secrets Manager; an unreachable URL is a DeliveryError', async () => {
    const got: { headers: Record<string, unknown>; body: string }[] = [];
    const server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      await sender.send(
        {
          kind: 'webhook',
          url: `http://127.0.0.1:${port}/x`,
          secret: { kind: 'aws-secret', secretArn, field: 'secret' },
        },
        buildMessage('resolved', [ALERT], new Date()),
      );
      const [h] = got;
      const ts = Number(h!.headers['x-prm-timestamp']);
      expect(h!.headers['x-prm-signature']).toBe(signWebhook('whsec-from-aws', ts, h!.body));
      expect(h!.headers['x-prm-event']).toBe('resolved');
      expect(h!.body).not.toContain('whsec-from-aws');
      await sender.send(
        { kind: 'slack', url: `http://127.0.0.1:${port}/services/T/B/secret` },
        buildMessage('fired', [ALERT], new Date()),
      );
      expect(JSON.parse(got[1]!.body)).toEqual({ text: expect.stringContaining('*apply-error*') });
    } finally {
      await new Promise((r) => server.close(r));
    }
    const down = await sender
      .send(
        { kind: 'slack', url: `http://127.0.0.1:${port}/services/T/B/secret-token` },
        buildMessage('fired', [ALERT], new Date()),
      )
      .catch((e: unknown) => e as Error);
    expect(down).toBeInstanceOf(DeliveryError);
    expect(down!.message).toContain(`Slack http://127.0.0.1:${port} not reached`);
    expect(down!.message).not.toContain('secret-token');
  });
});
