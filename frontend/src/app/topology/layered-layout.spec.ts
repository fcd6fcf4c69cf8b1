import { describe, expect, it } from '@jest/globals';

import {
  type Box,
  EDGE_POINTS,
  type LayoutEdgeInput,
  type LayoutNodeInput,
  type TopologyGeometry,
  edgeRoute,
  layoutTopology,
} from './layered-layout';

const W = 232;
const H = 88;

function node(id: string, group = 'aws / us-east-1 / vpc-1'): LayoutNodeInput {
  return { id, label: id, group, width: W, height: H };
}

function stream(source: string, target: string, name = 'sub'): LayoutEdgeInput {
  return { id: `${target}:${name}`, source, target };
}

/** The fleet the console benchmark seeds: half publishers, 2 streams per endpoint, endpoint i in group i mod 3. */
function benchFleet(count: number): { nodes: LayoutNodeInput[]; edges: LayoutEdgeInput[] } {
  const publishers = Math.ceil(count / 2);
  const nodes = Array.from({ length: count }, (_, i) =>
    node(`${i < publishers ? 'pub' : 'sub'}-${String(i).padStart(3, '0')}`, `group-${i % 3}`),
  );
  const edges: LayoutEdgeInput[] = [];
  for (let k = 0; k < count * 2; k++) {
    const sub = nodes[publishers + (k % (count - publishers))];
    const pub = nodes[(k * 7) % publishers];
    edges.push(stream(pub.id, sub.id, `s${k}`));
  }
  return { nodes, edges };
}

function overlaps(a: Box, b: Box): boolean {
  return Math.abs(a.x - b.x) * 2 < a.width + b.width && Math.abs(a.y - b.y) * 2 < a.height + b.height;
}

function inside(inner: Box, outer: Box): boolean {
  return (
    inner.x - inner.width / 2 >= outer.x - outer.width / 2 &&
    inner.x + inner.width / 2 <= outer.x + outer.width / 2 &&
    inner.y - inner.height / 2 >= outer.y - outer.height / 2 &&
    inner.y + inner.height / 2 <= outer.y + outer.height / 2
  );
}

function assertNoOverlap(boxes: Box[]): void {
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      expect(overlaps(boxes[i], boxes[j])).toBe(false);
    }
  }
}

function serialise(g: TopologyGeometry): string {
  const sortedEntries = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([sortedEntries(g.nodes), sortedEntries(g.groups), sortedEntries(g.edges), g.width, g.height]);
}

describe('layoutTopology', () => {
  it('ranks publishers 0, their subscribers 1 and a cascaded subscriber 2, left to right', () => {
    const g = layoutTopology(
      [node('orders-primary'), node('reporting'), node('archive'), node('standalone')],
      [stream('orders-primary', 'reporting'), stream('reporting', 'archive')],
    );
    expect(Object.fromEntries(g.ranks)).toEqual({ 'orders-primary': 0, reporting: 1, archive: 2, standalone: 0 });
    expect(g.nodes.get('orders-primary')!.x).toBeLessThan(g.nodes.get('reporting')!.x);
    expect(g.nodes.get('reporting')!.x).toBeLessThan(g.nodes.get('archive')!.x);
  });

  it('breaks a bidirectional pair (A → B, B → A) into two ranks instead of looping', () => {
    const g = layoutTopology([node('a'), node('b')], [stream('a', 'b', 'ab'), stream('b', 'a', 'ba')]);
    expect([g.ranks.get('a'), g.ranks.get('b')]).toEqual([0, 1]);
    expect(g.edges.size).toBe(2);
    // b → a runs right to left: it leaves b's left side and enters a's right side
    const back = g.edges.get('a:ba')!;
    const a = g.nodes.get('a')!;
    const b = g.nodes.get('b')!;
    expect(back[0]).toEqual({ x: b.x - b.width / 2, y: b.y });
    expect(back[EDGE_POINTS - 1]).toEqual({ x: a.x + a.width / 2, y: a.y });
  });

  it('is deterministic: the same fleet in another order gives the same geometry', () => {
    const { nodes, edges } = benchFleet(60);
    const first = layoutTopology(nodes, edges);
    const second = layoutTopology([...nodes].reverse(), [...edges].reverse());
    expect(serialise(second)).toBe(serialise(first));
  });

  it('keeps every endpoint inside its group box, and no two endpoints or groups overlap', () => {
    const { nodes, edges } = benchFleet(90);
    const g = layoutTopology(nodes, edges);
    expect(g.nodes.size).toBe(90);
    expect(g.groups.size).toBe(3);
    for (const n of nodes) {
      expect(inside(g.nodes.get(n.id)!, g.groups.get(n.group)!)).toBe(true);
    }
    assertNoOverlap([...g.nodes.values()]);
    assertNoOverlap([...g.groups.values()]);
    for (const box of [...g.groups.values()]) {
      expect(box.x - box.width / 2).toBeGreaterThanOrEqual(0);
      expect(box.y - box.height / 2).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width / 2).toBeLessThanOrEqual(g.width);
      expect(box.y + box.height / 2).toBeLessThanOrEqual(g.height);
    }
  });

  it('wraps large ranks into columns so that 300 endpoints fill a map near the panel aspect, not one tall column', () => {
    const { nodes, edges } = benchFleet(300);
    const g = layoutTopology(nodes, edges, { aspect: 2.5 });
    const ratio = g.width / g.height;
    expect(ratio).toBeGreaterThan(1.2);
    expect(ratio).toBeLessThan(5);
    const columns = new Set([...g.nodes.values()].map((b) => Math.round(b.x)));
    expect(columns.size).toBeGreaterThan(10);
  });

  it('places upstream groups first, side-by-side groups a rank gap apart (room for the stream labels)', () => {
    // key order alone would put the subscribers' group first
    const g = layoutTopology([node('pub', 'z-publishers'), node('sub', 'a-subscribers')], [stream('pub', 'sub')], {
      rankGap: 280,
    });
    const pubs = g.groups.get('z-publishers')!;
    const subs = g.groups.get('a-subscribers')!;
    expect(pubs.y).toBe(subs.y);
    expect(subs.x - subs.width / 2 - (pubs.x + pubs.width / 2)).toBe(280);
  });

  it('orders subscribers by their publishers so that streams do not cross', () => {
    // label order alone would put sub-a above sub-b and cross the two streams
    const g = layoutTopology(
      [node('pub-a'), node('pub-b'), node('sub-a'), node('sub-b')],
      [stream('pub-b', 'sub-a'), stream('pub-a', 'sub-b')],
    );
    const y = (id: string) => g.nodes.get(id)!.y;
    expect(y('pub-a')).not.toBe(y('pub-b'));
    // pub-a feeds sub-b: both on the same side of their block
    expect(Math.sign(y('pub-a') - y('pub-b'))).toBe(Math.sign(y('sub-b') - y('sub-a')));
  });

  it('routes a stream from the publisher right side to the subscriber left side, label anchor in the middle', () => {
    const g = layoutTopology([node('pub'), node('sub')], [stream('pub', 'sub')]);
    const points = g.edges.get('sub:sub')!;
    const pub = g.nodes.get('pub')!;
    const sub = g.nodes.get('sub')!;
    expect(points).toHaveLength(EDGE_POINTS);
    expect(points[0]).toEqual({ x: pub.x + pub.width / 2, y: pub.y });
    expect(points[EDGE_POINTS - 1]).toEqual({ x: sub.x - sub.width / 2, y: sub.y });
    const mid = points[(EDGE_POINTS - 1) / 2];
    expect(mid.x).toBeCloseTo((pub.x + pub.width / 2 + sub.x - sub.width / 2) / 2);
  });

  it('fans out parallel streams between the same two endpoints so their labels and alert markers do not cover each other', () => {
    const g = layoutTopology(
      [node('pub'), node('sub')],
      [stream('pub', 'sub', 'orders'), stream('pub', 'sub', 'events'), stream('pub', 'sub', 'audit')],
    );
    const mids = ['orders', 'events', 'audit'].map((s) => g.edges.get(`sub:${s}`)![(EDGE_POINTS - 1) / 2].y);
    expect(new Set(mids.map((y) => Math.round(y))).size).toBe(3);
    // label (20 px) plus the alert marker above it (up to 30 px above the middle): 44 px apart
    for (let i = 1; i < mids.length; i++) expect(Math.abs(mids[i] - mids[i - 1])).toBeCloseTo(44, 5);
  });

  it('ignores streams whose endpoints are not on the map and draws a self-stream as a loop', () => {
    const g = layoutTopology([node('a')], [stream('a', 'gone'), stream('a', 'a')]);
    expect([...g.edges.keys()]).toEqual(['a:sub']);
    const loop = g.edges.get('a:sub')!;
    expect(loop[0].y).toBeLessThan(loop[EDGE_POINTS - 1].y);
    expect(Math.max(...loop.map((p) => p.x))).toBeGreaterThan(g.nodes.get('a')!.x + W / 2);
  });

  it('gives an empty map its margins only', () => {
    const g = layoutTopology([], []);
    expect(g.nodes.size).toBe(0);
    expect(g.width).toBeGreaterThan(0);
    expect(g.height).toBeGreaterThan(0);
  });
});

describe('edgeRoute', () => {
  it('bulges to the right between two endpoints of the same column', () => {
    const top: Box = { x: 100, y: 50, width: W, height: H };
    const bottom: Box = { x: 100, y: 250, width: W, height: H };
    const points = edgeRoute(top, bottom);
    expect(points[0]).toEqual({ x: 216, y: 50 });
    expect(points[EDGE_POINTS - 1]).toEqual({ x: 216, y: 250 });
    expect(points[(EDGE_POINTS - 1) / 2].x).toBeGreaterThan(216);
  });
});
