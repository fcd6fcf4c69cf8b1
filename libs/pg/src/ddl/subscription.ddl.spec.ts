import {
  alterSubscriptionConnectionSql,
  alterSubscriptionEnabledSql,
  buildSubscriptionConninfo,
  createPublicationSql,
  createSubscriptionSql,
  defaultStreamNames,
  detachSubscriptionSlotSql,
  dropPublicationSql,
  dropSubscriptionSql,
  subscriptionWithClause,
  supportedSubscriptionOptions,
  UnsupportedOptionError,
} from './subscription.ddl.js';
import { InvalidIdentifierError } from '../errors.js';
import { parseConninfo } from '../conninfo.js';

describe('publication/subscription DDL builders', () => {
  it('quotes every identifier and table', () => {
    expect(createPublicationSql('Pub"x', ['public.orders', { schema: 'Sales', table: 'a b' }])).toBe(
      'CREATE PUBLICATION "Pub""x" FOR TABLE "public"."orders", "Sales"."a b"',
    );
    expect(createPublicationSql('p', 'all')).toBe('CREATE PUBLICATION "p" FOR ALL TABLES');
    expect(() => createPublicationSql('p', [])).toThrow('at least one table');
    expect(() => createPublicationSql('x'.repeat(64), ['t'])).toThrow(InvalidIdentifierError);
    expect(dropPublicationSql('p')).toBe('DROP PUBLICATION IF EXISTS "p"');
    expect(dropSubscriptionSql('s')).toBe('DROP SUBSCRIPTION IF EXISTS "s"');
    expect(alterSubscriptionEnabledSql('s', false)).toBe('ALTER SUBSCRIPTION "s" DISABLE');
    expect(alterSubscriptionEnabledSql('s', true)).toBe('ALTER SUBSCRIPTION "s" ENABLE');
    expect(detachSubscriptionSlotSql('s')).toBe('ALTER SUBSCRIPTION "s" SET (slot_name = NONE)');
  });

  it('builds a CONNECTION string libpq parses back, with the value quoted as a literal', () => {
    const conninfo = buildSubscriptionConninfo({
      host: 'db.example',
      port: 5433,
      dbname: 'app db',
      user: 'repl',
      password: "p'w\\x y",
      sslmode: 'require',
    });
    expect(parseConninfo(conninfo)).toEqual({
      host: 'db.example',
      port: '5433',
      dbname: 'app db',
      user: 'repl',
      password: "p'w\\x y",
      sslmode: 'require',
      connect_timeout: '10',
    });
    const sql = createSubscriptionSql({
      name: 's',
      conninfo,
      publications: ['p1', 'p2'],
      options: { copyData: true, slotName: 's' },
      serverVersionNum: 150000,
    });
    expect(sql.startsWith(`CREATE SUBSCRIPTION "s" CONNECTION E'`)).toBe(true);
    expect(sql.endsWith(`PUBLICATION "p1", "p2" WITH (copy_data = true, slot_name = 's')`)).toBe(true);
    expect(alterSubscriptionConnectionSql('s', 'host=a')).toBe(`ALTER SUBSCRIPTION "s" CONNECTION 'host=a'`);
    expect(() =>
      createSubscriptionSql({ name: 's', conninfo, publications: [], options: {}, serverVersionNum: 1 }),
    ).toThrow();
  });

  it('emits options only where the target version has them', () => {
    expect(supportedSubscriptionOptions(130000)).toEqual({
      binary: false,
      streaming: false,
      streamingParallel: false,
      disableOnError: false,
      origin: false,
    });
    expect(supportedSubscriptionOptions(170000).origin).toBe(true);
    const all = { binary: true, streaming: 'parallel' as const, disableOnError: true, origin: 'none' as const };
    expect(subscriptionWithClause(all, 170000)).toBe(
      ' WITH (binary = true, streaming = parallel, disable_on_error = true, origin = none)',
    );
    expect(() => subscriptionWithClause({ streaming: 'parallel' }, 150000)).toThrow(UnsupportedOptionError);
    expect(() => subscriptionWithClause({ origin: 'none' }, 150000)).toThrow('needs PostgreSQL 16');
    expect(() => subscriptionWithClause({ disableOnError: true }, 140000)).toThrow(UnsupportedOptionError);
    expect(() => subscriptionWithClause({ binary: true }, 130000)).toThrow(UnsupportedOptionError);
    // defaults equal to the old behaviour are dropped on old targets instead of failing
    expect(
      subscriptionWithClause({ binary: false, streaming: 'off', disableOnError: false, origin: 'any' }, 130000),
    ).toBe('');
    expect(subscriptionWithClause({ streaming: 'off', enabled: false }, 150000)).toBe(
      ' WITH (enabled = false, streaming = off)',
    );
    expect(subscriptionWithClause({}, 150000)).toBe('');
  });

  it('derives default names as identifiers of at most 63 bytes', () => {
    expect(defaultStreamNames('Orders DB (eu)', 'replica-a')).toEqual({
      publication: 'prm_orders_db_eu_pub',
      subscription: 'prm_orders_db_eu_to_replica_a',
    });
    expect(defaultStreamNames('x'.repeat(80), '!!').subscription).toHaveLength(63);
    expect(defaultStreamNames('---', 'b').publication).toBe('prm_db_pub');
  });
});
