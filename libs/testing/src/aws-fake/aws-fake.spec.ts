import { startAwsFake, type AwsFake } from './aws-fake.js';

/** Raw protocol checks; the SDK-level checks are in libs/aws/src/secrets-manager.int-spec.ts. */
describe('startAwsFake (raw AWS JSON protocol)', () => {
  let fake: AwsFake;
  const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/orders-AbCdEf';
  beforeAll(async () => {
    fake = await startAwsFake();
    fake.secrets.set(ARN, '{"username":"u","password":"p"}');
  });
  afterAll(async () => {
    await fake.stop();
  });

  const call = (target: string, body: unknown, method = 'POST') =>
    fetch(fake.endpoint, {
      method,
      headers: { 'X-Amz-Target': target, 'Content-Type': 'application/x-amz-json-1.1' },
      body: method === 'POST' ? JSON.stringify(body) : undefined,
    });

  it('answers GetSecretValue by ARN or by name, with the JSON 1.1 content type and a request id', async () => {
    for (const id of [ARN, 'prod/orders']) {
      const res = await call('secretsmanager.GetSecretValue', { SecretId: id });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
      expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
      expect(await res.json()).toMatchObject({
        ARN,
        Name: 'prod/orders',
        SecretString: '{"username":"u","password":"p"}',
      });
    }
    const d = await call('secretsmanager.DescribeSecret', { SecretId: ARN });
    expect(await d.json()).toMatchObject({ ARN, Name: 'prod/orders' });
  });

  it('returns AWS-shaped errors: 400 with __type and x-amzn-ErrorType', async () => {
    const missing = await call('secretsmanager.GetSecretValue', { SecretId: 'nope' });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await missing.json()).toEqual({
      __type: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
    fake.deny('secretsmanager:DescribeSecret', '*');
    const denied = await call('secretsmanager.DescribeSecret', { SecretId: ARN });
    expect(await denied.json()).toMatchObject({
      __type: 'AccessDeniedException',
      message: expect.stringContaining(
        `is not authorized to perform: secretsmanager:DescribeSecret on resource: ${ARN} because`,
      ),
    });
    expect(((await (await call('secretsmanager.RotateSecret', {})).json()) as { __type: string }).__type).toBe(
      'UnknownOperationException',
    );
    // SQS is served (AWS JSON 1.0): an unknown queue is QueueDoesNotExist, an unknown operation UnknownOperation
    expect(((await (await call('AmazonSQS.SendMessage', {})).json()) as { __type: string }).__type).toBe(
      'com.amazonaws.sqs#QueueDoesNotExist',
    );
    expect(((await (await call('AmazonSQS.TagQueue', {})).json()) as { __type: string }).__type).toBe(
      'UnknownOperationException',
    );
    expect((await call('secretsmanager.GetSecretValue', null, 'GET')).status).toBe(400);
    expect(fake.requests.map((r) => r.target)).toContain('AmazonSQS.SendMessage');
  });
});
