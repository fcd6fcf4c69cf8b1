import { jest } from '@jest/globals';
import { CommonEnv } from './common-env.js';
import { InvalidEnvironmentError, runService, validateEnv } from './env.js';

describe('validateEnv', () => {
  it('applies defaults and converts types', () => {
    const env = validateEnv(CommonEnv, { LOG_LEVEL: 'debug', UNRELATED: 'x' });
    expect(env).toMatchObject({
      PRM_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/prm',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PRM_REDIS_PREFIX: 'prm',
      LOG_LEVEL: 'debug',
    });
  });

  it('names every bad variable and never echoes a value', () => {
    let error: unknown;
    try {
      validateEnv(CommonEnv, { PRM_DATABASE_URL: 'mysql://u:s3cret@h/db', LOG_LEVEL: 'loud', REDIS_URL: '' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    const e = error as InvalidEnvironmentError;
    expect(e.problems.map((p) => p.variable).sort()).toEqual(['LOG_LEVEL', 'PRM_DATABASE_URL']);
    expect(e.message).toContain('PRM_DATABASE_URL: must be a postgres:// URL');
    expect(e.message).not.toContain('s3cret');
  });
});

describe('runService', () => {
  it('prints one line and exits 1 when start-up fails', async () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await runService(() => Promise.reject(new InvalidEnvironmentError([{ variable: 'PRM_PORT', reason: 'bad' }])));
    expect(error).toHaveBeenCalledWith('prm: start-up failed: invalid environment: PRM_PORT: bad');
    expect(exit).toHaveBeenCalledWith(1);
    await runService(() => Promise.reject('plain'));
    expect(error).toHaveBeenLastCalledWith('prm: start-up failed: plain');
    await runService(() => Promise.resolve());
    expect(exit).toHaveBeenCalledTimes(2);
    exit.mockRestore();
    error.mockRestore();
  });
});
