import { EventEmitter } from 'node:events';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { register } from 'prom-client';
import {
  BootstrapSourceError,
  applyEndpointBootstrap,
  loadBootstrapFile,
  loadBootstrapSsm,
  parseBootstrapDocument,
} from './bootstrap/endpoint-bootstrap.js';
import { EndpointBootstrapRunner } from './bootstrap/endpoint-bootstrap.module.js';
import {
  currentCorrelationId,
  jobCorrelationId,
  requestCorrelationId,
  runJobWithCorrelation,
  runWithCorrelation,
  withCorrelationId,
} from './correlation.js';
import { QueueDepthReader, httpMetricsMiddleware, routeLabel } from './metrics/metrics.module.js';
import { installGracefulShutdown } from './shutdown.js';

describe('correlation ids', () => {
  it('binds an id for the async chain and adds it to job data', async () => {
    expect(currentCorrelationId()).toBeNull();
    expect(withCorrelationId({ runId: 'r' })).toEqual({ runId: 'r' });
    await runWithCorrelation('req-1', async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentCorrelationId()).toBe('req-1');
      expect(withCorrelationId({ runId: 'r' })).toEqual({ runId: 'r', correlationId: 'req-1' });
      expect(withCorrelationId({ runId: 'r', correlationId: 'given' })).toEqual({ runId: 'r', correlationId: 'given' });
    });
  });

  it('derives a job id from job data or the queue and job id', async () => {
    expect(jobCorrelationId({ id: '7', queueName: 'migrations', data: { correlationId: 'req-2' } })).toBe('req-2');
    expect(jobCorrelationId({ id: '7', queueName: 'migrations', data: { correlationId: 'bad id!' } })).toBe(
      'migrations:7',
    );
    expect(jobCorrelationId({ queueName: 'q', data: null })).toBe('q:unknown');
    await expect(
      runJobWithCorrelation({ id: '1', queueName: 'q', data: {} }, async () => currentCorrelationId()),
    ).resolves.toBe('q:1');
  });

  it('takes the request id from pino-http, the header, or a new UUID', () => {
    expect(requestCorrelationId({ id: 'pino', headers: {} })).toBe('pino');
    expect(requestCorrelationId({ headers: { 'x-request-id': 'abc-1' } })).toBe('abc-1');
    expect(requestCorrelationId({ headers: { 'x-request-id': 'no spaces allowed' } })).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('metrics', () => {
  it('reads queue depths at most every 5 s and keeps the last counts when Redis fails', async () => {
    let now = 0;
    let fail = false;
    const getJobCounts = jest.fn(async () => {
      if (fail) throw new Error('down');
      return { waiting: 2, active: 1, delayed: 3 };
    });
    const reader = new QueueDepthReader(
      () => [{ name: 'monitor-poll', getJobCounts }],
      5000,
      () => now,
    );
    expect((await reader.read()).get('monitor-poll')).toEqual({ waiting: 2, active: 1, delayed: 3, failed: 0 });
    now = 4999;
    await reader.read();
    expect(getJobCounts).toHaveBeenCalledTimes(1);
    now = 5000;
    fail = true;
    expect((await reader.read()).get('monitor-poll')).toEqual({ waiting: 2, active: 1, delayed: 3, failed: 0 });
    expect(getJobCounts).toHaveBeenCalledTimes(2);
  });

  it('labels HTTP requests by route pattern and counts them', async () => {
    expect(routeLabel({ baseUrl: '', route: { path: '/api/streams/:id' } })).toBe('/api/streams/:id');
    expect(routeLabel({ baseUrl: '' })).toBe('unmatched');
    const res = Object.assign(new EventEmitter(), { statusCode: 204 });
    const next = jest.fn();
    httpMetricsMiddleware({ method: 'DELETE', baseUrl: '', route: { path: '/x/:id' } } as never, res as never, next);
    res.emit('finish');
    expect(next).toHaveBeenCalled();
    const text = await register.getSingleMetricAsString('prm_http_requests_total');
    expect(text).toContain('prm_http_requests_total{method="DELETE",route="/x/:id",status="204"} 1');
  });
});

describe('installGracefulShutdown', () => {
  const logger = { log: jest.fn(), error: jest.fn() };

  it('closes the app once and exits 0', async () => {
    const exit = jest.fn();
    const close = jest.fn(async () => undefined);
    const remove = installGracefulShutdown({ close } as never, { timeoutMs: 1000, exit, logger, signals: ['SIGUSR2'] });
    process.emit('SIGUSR2', 'SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((r) => setImmediate(r));
    remove();
    expect(close).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('forces exit 1 with a log line when closing exceeds the bound, and exits 1 when closing fails', async () => {
    const exit = jest.fn();
    const remove = installGracefulShutdown({ close: () => new Promise(() => undefined) } as never, {
      timeoutMs: 20,
      exit,
      logger,
      signals: ['SIGUSR2'],
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 50));
    remove();
    expect(exit).toHaveBeenCalledWith(1);
    expect(logger.error).toHaveBeenCalledWith('shutdown timed out after 20 ms: forcing exit');
    const exit2 = jest.fn();
    const remove2 = installGracefulShutdown({ close: () => Promise.reject(new Error('boom')) } as never, {
      timeoutMs: 1000,
      exit: exit2,
      logger,
      signals: ['SIGUSR2'],
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((r) => setImmediate(r));
    remove2();
    expect(exit2).toHaveBeenCalledWith(1);
    expect(logger.error).toHaveBeenCalledWith('shutdown failed: boom');
  });
});

describe('endpoint bootstrap', () => {
  const pg = { host: 'db1', port: 5432, dbname: 'app', sslmode: 'require', cloud: 'aws', role: 'primary' };
  const credential = { kind: 'aws-secret', secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x' };

  it('parses YAML documents and rejects passwords, missing names and non-lists', () => {
    expect(parseBootstrapDocument('endpoints:\n  - name: a\n    host: h\n', 'f')).toEqual([{ name: 'a', host: 'h' }]);
    expect(parseBootstrapDocument('- name: b\n', 'f')).toEqual([{ name: 'b' }]);
    expect(() => parseBootstrapDocument('endpoints: 3', 'f')).toThrow(BootstrapSourceError);
    expect(() => parseBootstrapDocument('- host: h', 'f')).toThrow('f: endpoints[0]: every endpoint needs a name');
    expect(() => parseBootstrapDocument('- name: a\n  password: x', 'f')).toThrow('passwords are not accepted');
    expect(() => parseBootstrapDocument('- [a', 'f')).toThrow('not valid YAML');
    expect(() => parseBootstrapDocument('- 3', 'f')).toThrow('must be a mapping');
  });

  it('reads a file and names it when missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prm-boot-'));
    writeFileSync(join(dir, 'e.yaml'), `endpoints:\n  - name: orders\n    host: db1\n`);
    await expect(loadBootstrapFile(join(dir, 'e.yaml'))).resolves.toEqual([{ name: 'orders', host: 'db1' }]);
    await expect(loadBootstrapFile(join(dir, 'none.yaml'))).rejects.toThrow(/PRM_BOOTSTRAP_FILE .*none.yaml: ENOENT/);
  });

  it('reads SSM parameters by path (all pages, decrypted), one endpoint or a document each', async () => {
    const ssm = mockClient(SSMClient);
    ssm
      .on(GetParametersByPathCommand, { Path: '/prm/endpoints', NextToken: undefined })
      .resolves({ Parameters: [{ Name: '/prm/endpoints/orders', Value: JSON.stringify({ ...pg }) }], NextToken: 't1' })
      .on(GetParametersByPathCommand, { Path: '/prm/endpoints', NextToken: 't1' })
      .resolves({
        Parameters: [{ Name: '/prm/endpoints/more', Value: 'endpoints:\n  - name: billing\n    host: db2' }],
      });
    const specs = await loadBootstrapSsm(new SSMClient({ region: 'us-east-1' }), '/prm/endpoints');
    expect(specs).toEqual([
      { name: 'billing', host: 'db2' },
      { name: 'orders', ...pg },
    ]);
    const call = ssm.commandCalls(GetParametersByPathCommand)[0].args[0].input;
    expect(call).toMatchObject({ Recursive: true, WithDecryption: true });
    ssm.reset();
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: '/p/x', Value: '{bad' }] });
    await expect(loadBootstrapSsm(new SSMClient({ region: 'us-east-1' }), '/p')).rejects.toThrow(
      'SSM parameter /p/x: not valid YAML/JSON',
    );
    ssm.restore();
  });

  it('creates, updates and leaves alone by name, always with force, and names a failing endpoint', async () => {
    const stored = [
      { id: 'id-1', name: 'same', ...pg, credential },
      { id: 'id-2', name: 'changed', ...pg, credential },
    ];
    const target = {
      list: jest.fn(async () => stored),
      create: jest.fn(async () => ({})),
      update: jest.fn(async () => ({})),
    };
    const outcome = await applyEndpointBootstrap(
      [
        { name: 'same', ...pg, credential },
        { name: 'changed', ...pg, port: 6432, credential },
        { name: 'new', ...pg, credential },
      ],
      target,
    );
    expect(outcome).toEqual({ created: ['new'], updated: ['changed'], unchanged: ['same'] });
    expect(target.update).toHaveBeenCalledWith('id-2', expect.objectContaining({ port: 6432 }), true);
    expect(target.create).toHaveBeenCalledWith(expect.objectContaining({ name: 'new' }), true);
    target.create.mockRejectedValueOnce(new Error('host must be a DNS name'));
    await expect(applyEndpointBootstrap([{ name: 'bad', host: '' }], target)).rejects.toThrow(
      'bootstrap endpoint bad: host must be a DNS name',
    );
  });

  it('runs at start from the file and SSM (SSM wins a duplicate name), and does nothing when unset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prm-boot-'));
    writeFileSync(join(dir, 'e.yaml'), `endpoints:\n  - name: orders\n    host: file-host\n`);
    const target = {
      list: jest.fn(async () => []),
      create: jest.fn(async () => ({})),
      update: jest.fn(async () => ({})),
    };
    const send = jest.fn(async () => ({ Parameters: [{ Name: '/prm/orders', Value: 'host: ssm-host' }] }));
    await new EndpointBootstrapRunner(
      { file: join(dir, 'e.yaml'), ssmPath: '/prm' },
      target,
      () =>
        ({
          send,
        }) as never,
    ).onApplicationBootstrap();
    expect(target.create).toHaveBeenCalledTimes(1);
    expect(target.create).toHaveBeenCalledWith({ name: 'orders', host: 'ssm-host' }, true);
    await new EndpointBootstrapRunner({}, target, () => ({ send }) as never).onApplicationBootstrap();
    expect(target.list).toHaveBeenCalledTimes(1);
  });
});
