import {
  UnsupportedOptionError,
  alterSubscriptionConnectionSql,
  alterSubscriptionEnabledSql,
  createPublicationSql,
  createSubscriptionSql,
  detachSubscriptionSlotSql,
  dropPublicationSql,
  dropSubscriptionSql,
  subscriptionWithClause,
  supportedSubscriptionOptions,
} from './subscription.ddl.js';

const PG13 = 130010;
const PG14 = 140010;
const PG15 = 150010;
const PG16 = 160004;
const PG17 = 170010;

describe('subscriptionWithClause by server version', () => {
  it.each([
    ['nothing set', {}, PG17, ''],
    ['copy_data and enabled', { copyData: false, enabled: false }, PG13, ' WITH (copy_data = false, enabled = false)'],
    ['slot name as a literal', { slotName: "it's" }, PG15, " WITH (slot_name = 'it''s')"],
    ['binary on 14+', { binary: true }, PG14, ' WITH (binary = true)'],
    ['binary false dropped before 14', { binary: false }, PG13, ''],
    ['binary false kept on 14+', { binary: false }, PG14, ' WITH (binary = false)'],
    ['streaming on', { streaming: 'on' as const }, PG14, ' WITH (streaming = on)'],
    ['streaming parallel on 16+', { streaming: 'parallel' as const }, PG16, ' WITH (streaming = parallel)'],
    ['streaming off on 14+', { streaming: 'off' as const }, PG14, ' WITH (streaming = off)'],
    ['streaming off dropped before 14', { streaming: 'off' as const }, PG13, ''],
    ['disable_on_error on 15+', { disableOnError: true }, PG15, ' WITH (disable_on_error = true)'],
    ['disable_on_error false dropped before 15', { disableOnError: false }, PG14, ''],
    ['origin none on 16+', { origin: 'none' as const }, PG16, ' WITH (origin = none)'],
    ['origin any dropped before 16', { origin: 'any' as const }, PG15, ''],
    ['origin any kept on 16+', { origin: 'any' as const }, PG17, ' WITH (origin = any)'],
  ])('%s', (_name, options, version, expected) => {
    expect(subscriptionWithClause(options, version)).toBe(expected);
  });

  it.each([
    ['binary', { binary: true }, PG13, 140000],
    ['streaming', { streaming: 'on' as const }, PG13, 140000],
    ['streaming = parallel', { streaming: 'parallel' as const }, PG15, 160000],
    ['disable_on_error', { disableOnError: true }, PG14, 150000],
    ['origin', { origin: 'none' as const }, PG15, 160000],
  ])('refuses %s on a server that lacks it', (option, options, version, min) => {
    let err: unknown;
    try {
      subscriptionWithClause(options, version);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOptionError);
    expect(err).toMatchObject({ option, minVersionNum: min, serverVersionNum: version });
    expect((err as Error).message).toContain(`PostgreSQL ${min / 10000}`);
  });

  it('reports what each version supports', () => {
    expect(supportedSubscriptionOptions(PG13)).toEqual({
      binary: false,
      streaming: false,
      streamingParallel: false,
      disableOnError: false,
      origin: false,
    });
    expect(supportedSubscriptionOptions(PG16)).toEqual({
      binary: true,
      streaming: true,
      streamingParallel: true,
      disableOnError: true,
      origin: true,
    });
  });
});

describe('publication and subscription statements', () => {
  it('quotes names and refuses empty lists', () => {
    expect(createPublicationSql('p"x', 'all')).toBe('CREATE PUBLICATION "p""x" FOR ALL TABLES');
    expect(() => createPublicationSql('p', [])).toThrow('at least one table');
    expect(dropPublicationSql('P')).toBe('DROP PUBLICATION IF EXISTS "P"');
    expect(() =>
      createSubscriptionSql({ name: 's', conninfo: 'host=h', publications: [], options: {}, serverVersionNum: PG17 }),
    ).toThrow('at least one publication');
    expect(alterSubscriptionEnabledSql('s', true)).toBe('ALTER SUBSCRIPTION "s" ENABLE');
    expect(alterSubscriptionEnabledSql('s', false)).toBe('ALTER SUBSCRIPTION "s" DISABLE');
    expect(detachSubscriptionSlotSql('s')).toBe('ALTER SUBSCRIPTION "s" SET (slot_name = NONE)');
    expect(alterSubscriptionConnectionSql('s', "password='x'")).toBe(
      `ALTER SUBSCRIPTION "s" CONNECTION 'password=''x'''`,
    );
    expect(dropSubscriptionSql('s')).toBe('DROP SUBSCRIPTION IF EXISTS "s"');
  });
});
