import { buildHbaConf, buildPostgresqlConf, buildUrl } from './config.js';

describe('buildHbaConf', () => {
  it('keeps local trust first, then the caller lines, then scram-sha-256 over loopback', () => {
    expect(
      buildHbaConf({ hba: ['host all nohba 127.0.0.1/32 reject'] })
        .trim()
        .split('\n'),
    ).toEqual([
      'local all all trust',
      'local replication all trust',
      'host all nohba 127.0.0.1/32 reject',
      'host all all 127.0.0.1/32 scram-sha-256',
      'host replication all 127.0.0.1/32 scram-sha-256',
    ]);
  });

  it('limits TCP logins to hbaOnlyDatabases', () => {
    expect(buildHbaConf({ hbaOnlyDatabases: ['app', 'demo'] })).toContain(
      'host app,demo all 127.0.0.1/32 scram-sha-256',
    );
  });

  it('replaces the TCP lines with hbaOverride but keeps the local lines', () => {
    expect(
      buildHbaConf({ hbaOverride: ['host all all 127.0.0.1/32 md5'] })
        .trim()
        .split('\n'),
    ).toEqual(['local all all trust', 'local replication all trust', 'host all all 127.0.0.1/32 md5']);
  });
});

describe('buildPostgresqlConf', () => {
  const conf = buildPostgresqlConf({
    port: 5555,
    socketDir: "/tmp/it's",
    logDir: '/data/log',
    settings: { max_replication_slots: '4', work_mem: "'8MB'" },
  });

  it('sets logical replication, loopback and a jsonlog file', () => {
    expect(conf).toContain('wal_level = logical');
    expect(conf).toContain("listen_addresses = '127.0.0.1'");
    expect(conf).toContain('port = 5555');
    expect(conf).toContain("log_destination = 'jsonlog'");
    expect(conf).toContain("log_directory = '/data/log'");
  });

  it('quotes string values and lets settings override the defaults', () => {
    expect(conf).toContain("unix_socket_directories = '/tmp/it''s'");
    expect(conf).toContain('max_replication_slots = 4');
    expect(conf).not.toContain('max_replication_slots = 20');
    expect(conf).toContain("work_mem = '8MB'");
  });
});

describe('buildUrl', () => {
  it('percent-encodes user, password and database', () => {
    expect(buildUrl({ host: '127.0.0.1', port: 1, user: 'u@x', password: 'p/w:?', db: 'my db' })).toBe(
      'postgres://u%40x:p%2Fw%3A%3F@127.0.0.1:1/my%20db',
    );
  });
});
