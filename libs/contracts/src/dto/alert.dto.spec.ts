import { DomainError } from '../errors.js';
import { validateChannelConfig } from './alert.dto.js';

const details = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return (err as DomainError).details.map((d) => d.field);
  }
  throw new Error('expected a DomainError');
};

describe('validateChannelConfig', () => {
  it('accepts each kind with secrets as references', () => {
    expect(
      validateChannelConfig('webhook', {
        url: 'https://h.example.com/x',
        secret: { kind: 'env', name: 'HOOK_SECRET' },
      }),
    ).toEqual({ kind: 'webhook', url: 'https://h.example.com/x', secret: { kind: 'env', name: 'HOOK_SECRET' } });
    expect(validateChannelConfig('slack', { url: 'https://hooks.slack.com/services/a' })).toEqual({
      kind: 'slack',
      url: 'https://hooks.slack.com/services/a',
    });
    expect(validateChannelConfig('sns', { topicArn: 'arn:aws:sns:us-east-1:111122223333:alerts' })).toMatchObject({
      kind: 'sns',
    });
    const arn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:smtp-AbC';
    expect(
      validateChannelConfig('email', {
        host: 'smtp.example.com',
        port: 587,
        user: 'prm',
        password: { kind: 'aws-secret', secretArn: arn, field: 'pw' },
        from: 'prm@example.com',
        to: ['dba@example.com'],
      }),
    ).toEqual({
      kind: 'email',
      host: 'smtp.example.com',
      port: 587,
      secure: false,
      user: 'prm',
      password: { kind: 'aws-secret', secretArn: arn, field: 'pw' },
      from: 'prm@example.com',
      to: ['dba@example.com'],
    });
  });

  it('refuses plaintext secrets, bad URLs/ARNs/addresses and unknown fields, naming each field', () => {
    expect(details(() => validateChannelConfig('webhook', { url: 'ftp://x', secret: 'plaintext', extra: 1 }))).toEqual([
      'config.extra',
      'config.secret',
      'config.url',
    ]);
    expect(details(() => validateChannelConfig('sns', { topicArn: 'arn:aws:sqs:us-east-1:1:q' }))).toEqual([
      'config.topicArn',
    ]);
    expect(
      details(() =>
        validateChannelConfig('email', { host: 'bad host', port: 0, secure: 'yes', user: '', from: 'x', to: [] }),
      ),
    ).toEqual(['config.host', 'config.port', 'config.secure', 'config.user', 'config.from', 'config.to']);
    expect(
      details(() =>
        validateChannelConfig('webhook', { url: 'http://h/', secret: { kind: 'aws-secret', secretArn: 'nope' } }),
      ),
    ).toEqual(['config.secret']);
  });
});
