import { parseRedisUrl } from './redis-url.js';

describe('parseRedisUrl', () => {
  it('reads host, port, credentials, database and TLS', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379 });
    expect(parseRedisUrl('redis://localhost')).toEqual({ host: 'localhost', port: 6379 });
    expect(parseRedisUrl('rediss://prm:p%40ss@cache.internal:6380/2')).toEqual({
      host: 'cache.internal',
      port: 6380,
      username: 'prm',
      password: 'p@ss',
      db: 2,
      tls: {},
    });
    expect(parseRedisUrl('redis://:token@h:1/x')).toEqual({ host: 'h', port: 1, password: 'token' });
  });

  it('refuses other schemes', () => {
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow(TypeError);
  });
});
