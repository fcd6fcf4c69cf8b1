import 'reflect-metadata';
import type { EndpointView, TopologyEdge } from '@prm/contracts';
import { analyzeSqlScript } from '@prm/pg';
import { checkScript, decodeScriptBytes, planWarnings, resolveTargets } from './migration-plan.js';

const endpoint = (id: string, name: string, role: 'primary' | 'replica'): EndpointView =>
  ({ id, name, role }) as EndpointView;
const pub = endpoint('00000000-0000-0000-0000-00000000000p', 'pub', 'primary');
const ra = endpoint('00000000-0000-0000-0000-00000000000a', 'replica-a', 'replica');
const rb = endpoint('00000000-0000-0000-0000-00000000000b', 'replica-b', 'replica');
const edge = (target: EndpointView, subscription: string): TopologyEdge => ({
  id: `${target.id}:${subscription}`,
  source: pub.id,
  target: target.id,
  subscription,
  publications: ['demo_pub'],
  slotName: subscription,
  state: 'streaming',
  lagBytes: 0,
});
const edges = [edge(ra, 'replica_a_sub'), edge(rb, 'replica_b_sub')];

describe('resolveTargets', () => {
  it('defaults to every replica by name and never a primary', () => {
    expect(resolveTargets([rb, pub, ra], undefined, false).map((t) => [t.name, t.position])).toEqual([
      ['replica-a', 1],
      ['replica-b', 2],
    ]);
  });

  it('keeps the given order; a primary only with includePrimaries; unknown and duplicate ids refused', () => {
    expect(resolveTargets([pub, ra, rb], [rb.id, pub.id], true).map((t) => t.name)).toEqual(['replica-b', 'pub']);
    expect(() => resolveTargets([pub, ra], [pub.id], false)).toThrow('invalid migration targets');
    expect(() => resolveTargets([pub, ra], [ra.id, ra.id, 'nope'], false)).toThrow('invalid migration targets');
    expect(() => resolveTargets([pub], undefined, false)).toThrow('there are no replica endpoints');
  });
});

describe('planWarnings', () => {
  const tablesOf = () => ['public.orders'];
  it('warns when a column is dropped on a replica that still receives it, naming the stream', () => {
    const a = analyzeSqlScript('ALTER TABLE orders DROP COLUMN note;');
    const w = planWarnings(a.statements, resolveTargets([ra, rb], undefined, false), edges, tablesOf);
    expect(w.map((x) => [x.code, x.streams])).toEqual([
      ['destructive-on-subscriber', ['replica_a_sub']],
      ['destructive-on-subscriber', ['replica_b_sub']],
    ]);
    expect(w[0].message).toContain('orders.note');
  });

  it('is quiet for a column added on replicas only, and for tables the stream does not carry', () => {
    const add = analyzeSqlScript('ALTER TABLE orders ADD COLUMN note text;');
    expect(planWarnings(add.statements, resolveTargets([ra, rb], undefined, false), edges, tablesOf)).toEqual([]);
    const other = analyzeSqlScript('ALTER TABLE audit DROP COLUMN x;');
    expect(planWarnings(other.statements, resolveTargets([ra], undefined, false), edges, tablesOf)).toEqual([]);
  });

  it('warns when the publisher gets an added column before its subscribers; fine when they go first', () => {
    const add = analyzeSqlScript('ALTER TABLE orders ADD COLUMN note text;');
    const pubFirst = resolveTargets([pub, ra, rb], [pub.id, ra.id], true);
    const w = planWarnings(add.statements, pubFirst, edges, () => null);
    expect(w.map((x) => x.code)).toEqual(['primary-target', 'additive-publisher-first']);
    expect(w[1].streams).toEqual(['replica_a_sub', 'replica_b_sub']);
    const subsFirst = resolveTargets([pub, ra, rb], [ra.id, rb.id, pub.id], true);
    expect(planWarnings(add.statements, subsFirst, edges, () => null).map((x) => x.code)).toEqual(['primary-target']);
  });
});

describe('script checks', () => {
  it('decodes valid UTF-8 and refuses invalid bytes and oversize uploads', () => {
    expect(decodeScriptBytes(Buffer.from("SELECT 'é'", 'utf8'))).toBe("SELECT 'é'");
    expect(() => decodeScriptBytes(Buffer.from([0xff, 0xfe, 0x00]))).toThrow('not valid UTF-8');
    expect(() => decodeScriptBytes(new Uint8Array(1_048_577))).toThrow('larger than');
  });

  it('refuses lone surrogates, NUL, empty scripts, oversize text and dry runs of non-transactional scripts', () => {
    expect(() => checkScript('SELECT 1 -- \ud800', false)).toThrow('not valid Unicode');
    expect(() => checkScript('SELECT 1\0', false)).toThrow('NUL');
    expect(() => checkScript('-- nothing', false)).toThrow('no statements');
    expect(() => checkScript(`SELECT '${'x'.repeat(1_048_576)}'`, false)).toThrow('larger than');
    expect(() => checkScript('VACUUM orders', true)).toThrow('cannot be dry-run');
    expect(checkScript('VACUUM orders', false).nonTransactional).toBe(true);
  });
});
