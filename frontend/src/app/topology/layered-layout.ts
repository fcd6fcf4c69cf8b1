/**
 * Geometry of the topology map: a grouped, layered layout in linear time, computed without Angular or ngx-graph so
 * it can be tested on its own.
 *
 * Why not dagre: ngx-graph's dagre cluster layout took 2–3 s for 300 endpoints / 600 streams in 3 groups and grew
 * super-linearly (shared/research/monitoring.md §4); dagre stacks a rank into one column (300 endpoints gave a map
 * 90× taller than wide) and its compound ranking throws on some fleets. A replication topology is shallow (publishers
 * → subscribers, rarely a cascade), so a Sugiyama-style layout restricted to what the map needs is enough:
 *  1. ranks: longest path from the publishers after reversing the edges that close a cycle (bidirectional setups);
 *  2. each group (`cloud / region / network`) is a box; inside it one block per rank, left to right, each block
 *     wrapped into as many columns as keep the box roughly square;
 *  3. order inside a block by the barycentre of each endpoint's peers (4 down/up sweeps) so streams run mostly
 *     horizontally;
 *  4. group boxes (upstream groups first) packed in rows so that the whole map approaches the viewport's aspect
 *     ratio;
 *  5. each stream a cubic curve from the publisher's side to the subscriber's side, sampled into 13 points (the 7th
 *     is the label anchor); parallel streams between the same two endpoints fan out.
 * Cost: O((N + E) · sweeps + N log N); 500 endpoints / 1 000 streams take a few milliseconds.
 */

/** One endpoint to place: `label` orders endpoints deterministically, sizes in px. */
export interface LayoutNodeInput {
  id: string;
  label: string;
  /** Group key (cluster id); endpoints with the same key share a box. */
  group: string;
  width: number;
  height: number;
}

/** One stream (directed: publisher `source` → subscriber `target`). */
export interface LayoutEdgeInput {
  id: string;
  source: string;
  target: string;
}

/** Spacing of the layout, px (except `aspect`, a ratio, and `sweeps`, a count). */
export interface LayeredLayoutOptions {
  /** Gap between two columns of the same rank block. */
  columnGap: number;
  /** Gap between two rank blocks of a group (room for the streams and their labels). */
  rankGap: number;
  /** Gap between two rows. */
  rowGap: number;
  /** Space between a group box and its endpoints (top leaves room for the group label). */
  groupPadding: { x: number; top: number; bottom: number };
  /** Vertical gap between two rows of group boxes (side by side, boxes are `rankGap` apart: room for labels). */
  groupGap: number;
  /** Margin around the whole map. */
  margin: number;
  /** Width / height the whole map should approach (the map panel's ratio). */
  aspect: number;
  /**
   * Vertical distance between the middles (label anchors) of parallel streams (same two endpoints, either
   * direction), px.
   */
  parallelEdgeGap: number;
  /** Barycentre ordering passes (each one left→right then right→left). */
  sweeps: number;
}

export const DEFAULT_LAYERED_LAYOUT_OPTIONS: LayeredLayoutOptions = {
  columnGap: 36,
  // a stream label ("sub_orders · streaming · 12 MiB / 3 s · ⚠ warning") is about 260 px wide
  rankGap: 280,
  rowGap: 36,
  groupPadding: { x: 16, top: 30, bottom: 14 },
  groupGap: 48,
  margin: 24,
  aspect: 2.5,
  // a label is 20 px tall around the middle, and a stream's alert marker sits 14–30 px above it: 44 px keep one
  // stream's marker off its neighbour's label
  parallelEdgeGap: 44,
  sweeps: 4,
};

export interface Point {
  x: number;
  y: number;
}

/** A box by its centre (`x`, `y`) and size, as ngx-graph positions nodes and clusters. */
export interface Box extends Point {
  width: number;
  height: number;
}

/** Result of {@link layoutTopology}; every coordinate in px from the map's top-left corner. */
export interface TopologyGeometry {
  /** Endpoint boxes by endpoint id (centre and size). */
  nodes: Map<string, Box>;
  /** Group boxes by group key. */
  groups: Map<string, Box>;
  /** Stream polylines by edge id: {@link EDGE_POINTS} points, publisher side first; the middle one anchors the label. */
  edges: Map<string, Point[]>;
  /** Rank of each endpoint: 0 for publishers nobody feeds, +1 per stream hop. */
  ranks: Map<string, number>;
  /** Size of the whole map. */
  width: number;
  height: number;
}

/** Number of points of a stream polyline (odd, so that the middle one anchors the label). */
export const EDGE_POINTS = 13;

const byLabel = (a: LayoutNodeInput, b: LayoutNodeInput): number =>
  a.label < b.label ? -1 : a.label > b.label ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * Lays out the map. Deterministic: the same nodes and edges (in any order) give the same geometry. Edges whose ends
 * are not both in `nodes` are ignored; a stream from an endpoint to itself is drawn as a loop on its right.
 * @param nodes endpoints with their group and box size (px)
 * @param edges streams publisher → subscriber
 * @param options spacing (px) and target aspect ratio; defaults to {@link DEFAULT_LAYERED_LAYOUT_OPTIONS}
 */
export function layoutTopology(
  nodes: readonly LayoutNodeInput[],
  edges: readonly LayoutEdgeInput[],
  options: Partial<LayeredLayoutOptions> = {},
): TopologyGeometry {
  const o: LayeredLayoutOptions = { ...DEFAULT_LAYERED_LAYOUT_OPTIONS, ...options };
  const sorted = [...nodes].sort(byLabel);
  const byId = new Map(sorted.map((n) => [n.id, n]));
  const links = [...edges]
    .filter((e) => byId.has(e.source) && byId.has(e.target))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const ranks = assignRanks(sorted, links);
  const groups = buildGroups(sorted, ranks, o);
  orderBlocks(groups, links, o.sweeps);

  const nodeBoxes = new Map<string, Box>();
  const groupBoxes = new Map<string, Box>();
  const sizes = groups.map((g) => placeInGroup(g, o));
  const offsets = packGroups(sizes, o);
  groups.forEach((g, i) => {
    const { dx, dy } = offsets.positions[i];
    const size = sizes[i];
    groupBoxes.set(g.key, { x: dx + size.width / 2, y: dy + size.height / 2, width: size.width, height: size.height });
    for (const [id, local] of size.nodes) {
      const n = byId.get(id)!;
      nodeBoxes.set(id, { x: dx + local.x, y: dy + local.y, width: n.width, height: n.height });
    }
  });

  return {
    nodes: nodeBoxes,
    groups: groupBoxes,
    edges: routeEdges(links, nodeBoxes, o.parallelEdgeGap),
    ranks,
    width: offsets.width,
    height: offsets.height,
  };
}

/**
 * Longest-path ranks after making the graph acyclic: a depth-first search (endpoints and their streams in label
 * order) marks each stream that reaches an endpoint still on the stack; those streams count as reversed for ranking.
 */
function assignRanks(nodes: readonly LayoutNodeInput[], links: readonly LayoutEdgeInput[]): Map<string, number> {
  const out = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of links) {
    if (e.source !== e.target) {
      out.get(e.source)!.push(e.target);
    }
  }
  const labelOf = new Map(nodes.map((n) => [n.id, n.label]));
  for (const targets of out.values()) {
    targets.sort((a, b) => (labelOf.get(a)! < labelOf.get(b)! ? -1 : labelOf.get(a)! > labelOf.get(b)! ? 1 : 0));
  }
  // Iterative DFS: 0 = unseen, 1 = on the stack, 2 = done.
  const state = new Map<string, 0 | 1 | 2>(nodes.map((n) => [n.id, 0]));
  const preds = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const root of nodes) {
    if (state.get(root.id) !== 0) {
      continue;
    }
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    state.set(root.id, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const targets = out.get(top.id)!;
      if (top.next >= targets.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const target = targets[top.next++];
      const s = state.get(target);
      if (s === 1) {
        preds.get(top.id)!.push(target); // closes a cycle: ranked as target → source
      } else {
        preds.get(target)!.push(top.id);
        if (s === 0) {
          state.set(target, 1);
          stack.push({ id: target, next: 0 });
        }
      }
    }
  }
  // Longest path over the acyclic predecessor lists (Kahn order).
  const succ = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  const indegree = new Map<string, number>();
  for (const [id, ps] of preds) {
    indegree.set(id, ps.length);
    for (const p of ps) {
      succ.get(p)!.push(id);
    }
  }
  const ranks = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  const queue = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const next of succ.get(id)!) {
      ranks.set(next, Math.max(ranks.get(next)!, ranks.get(id)! + 1));
      const left = indegree.get(next)! - 1;
      indegree.set(next, left);
      if (left === 0) {
        queue.push(next);
      }
    }
  }
  return ranks;
}

/** One rank block of a group: its endpoints in display order, wrapped into `columns` columns. */
interface Block {
  rank: number;
  ids: string[];
  columns: number;
  /** Rows this block uses (≤ the group's rows); the block is centred vertically. */
  rows: number;
}

interface Group {
  key: string;
  blocks: Block[];
  rows: number;
  cellWidth: number;
  cellHeight: number;
}

function buildGroups(nodes: readonly LayoutNodeInput[], ranks: Map<string, number>, o: LayeredLayoutOptions): Group[] {
  const members = new Map<string, LayoutNodeInput[]>();
  for (const n of nodes) {
    const list = members.get(n.group) ?? [];
    list.push(n);
    members.set(n.group, list);
  }
  // Upstream groups first (lowest rank of their endpoints), then by key: publishers' groups end up left or above.
  const minRank = (key: string) => Math.min(...members.get(key)!.map((n) => ranks.get(n.id)!));
  const keys = [...members.keys()].sort((a, b) => minRank(a) - minRank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((key) => {
    const list = members.get(key)!;
    const cellWidth = Math.max(...list.map((n) => n.width));
    const cellHeight = Math.max(...list.map((n) => n.height));
    const byRank = new Map<number, string[]>();
    for (const n of list) {
      const r = ranks.get(n.id)!;
      const ids = byRank.get(r) ?? [];
      ids.push(n.id);
      byRank.set(r, ids);
    }
    // Rows so that the box is about square: rows·(h+gap) ≈ columns·(w+gap) with rows·columns ≈ endpoints.
    const largest = Math.max(...[...byRank.values()].map((ids) => ids.length));
    const squareRows = Math.ceil(Math.sqrt((list.length * (cellWidth + o.columnGap)) / (cellHeight + o.rowGap)));
    const rows = Math.max(1, Math.min(largest, squareRows));
    const blocks = [...byRank.keys()]
      .sort((a, b) => a - b)
      .map((rank) => {
        const ids = byRank.get(rank)!;
        const columns = Math.ceil(ids.length / rows);
        return { rank, ids, columns, rows: Math.ceil(ids.length / columns) };
      });
    return { key, blocks, rows, cellWidth, cellHeight };
  });
}

/** Vertical position of each endpoint within its group, 0 (top) … 1 (bottom), from its block slot. */
function blockPositions(group: Group, block: Block, into: Map<string, number>): void {
  const offset = (group.rows - block.rows) / 2;
  block.ids.forEach((id, i) => into.set(id, (offset + Math.floor(i / block.columns) + 0.5) / group.rows));
}

/**
 * Barycentre ordering: each block's endpoints sorted by the mean vertical position of their peers (any block, any
 * group; positions are relative to each group's height), blocks visited left→right then right→left per sweep.
 * Endpoints without peers keep their place (their own position is the key; ties keep the current order).
 */
function orderBlocks(groups: Group[], links: readonly LayoutEdgeInput[], sweeps: number): void {
  const peers = new Map<string, string[]>();
  for (const e of links) {
    if (e.source === e.target) {
      continue;
    }
    for (const [from, to] of [
      [e.source, e.target],
      [e.target, e.source],
    ]) {
      const list = peers.get(from) ?? [];
      list.push(to);
      peers.set(from, list);
    }
  }
  const pos = new Map<string, number>();
  for (const g of groups) {
    for (const b of g.blocks) {
      blockPositions(g, b, pos);
    }
  }
  const maxBlocks = Math.max(0, ...groups.map((g) => g.blocks.length));
  const reorder = (g: Group, b: Block): void => {
    const key = new Map<string, number>();
    for (const id of b.ids) {
      const ps = peers.get(id);
      key.set(id, ps?.length ? ps.reduce((sum, p) => sum + pos.get(p)!, 0) / ps.length : pos.get(id)!);
    }
    const index = new Map(b.ids.map((id, i) => [id, i]));
    b.ids.sort((a, c) => key.get(a)! - key.get(c)! || index.get(a)! - index.get(c)!);
    blockPositions(g, b, pos);
  };
  for (let s = 0; s < sweeps; s++) {
    for (let i = 0; i < maxBlocks; i++) {
      for (const g of groups) {
        if (g.blocks[i]) reorder(g, g.blocks[i]);
      }
    }
    for (let i = maxBlocks - 1; i >= 0; i--) {
      for (const g of groups) {
        if (g.blocks[i]) reorder(g, g.blocks[i]);
      }
    }
  }
}

interface PlacedGroup {
  width: number;
  height: number;
  /** Endpoint centres relative to the group box's top-left corner. */
  nodes: Map<string, Point>;
}

function placeInGroup(g: Group, o: LayeredLayoutOptions): PlacedGroup {
  const nodes = new Map<string, Point>();
  const pitchX = g.cellWidth + o.columnGap;
  const pitchY = g.cellHeight + o.rowGap;
  let x = o.groupPadding.x;
  for (const b of g.blocks) {
    const offset = (g.rows - b.rows) / 2;
    b.ids.forEach((id, i) => {
      const column = i % b.columns;
      const row = offset + Math.floor(i / b.columns);
      nodes.set(id, {
        x: x + column * pitchX + g.cellWidth / 2,
        y: o.groupPadding.top + row * pitchY + g.cellHeight / 2,
      });
    });
    x += b.columns * pitchX - o.columnGap + o.rankGap;
  }
  const contentWidth = x - o.rankGap - o.groupPadding.x;
  const contentHeight = g.rows * pitchY - o.rowGap;
  return {
    width: contentWidth + 2 * o.groupPadding.x,
    height: contentHeight + o.groupPadding.top + o.groupPadding.bottom,
    nodes,
  };
}

/**
 * Shelf packing of the group boxes (upstream groups first): tries every count of boxes per row and keeps the one
 * whose overall width / height is closest to `aspect` (on a log scale). Boxes side by side are `rankGap` apart, like
 * two rank blocks, so that the streams between them have room for their labels.
 */
function packGroups(
  sizes: readonly { width: number; height: number }[],
  o: LayeredLayoutOptions,
): { positions: { dx: number; dy: number }[]; width: number; height: number } {
  let best: { positions: { dx: number; dy: number }[]; width: number; height: number; score: number } | null = null;
  for (let perRow = 1; perRow <= Math.max(1, sizes.length); perRow++) {
    const positions: { dx: number; dy: number }[] = [];
    let y = o.margin;
    let width = 0;
    for (let start = 0; start < sizes.length; start += perRow) {
      const row = sizes.slice(start, start + perRow);
      let x = o.margin;
      for (const s of row) {
        positions.push({ dx: x, dy: y });
        x += s.width + o.rankGap;
      }
      width = Math.max(width, x - o.rankGap + o.margin);
      y += Math.max(...row.map((s) => s.height)) + o.groupGap;
    }
    const height = sizes.length ? y - o.groupGap + o.margin : 2 * o.margin;
    width = Math.max(width, 2 * o.margin);
    const score = Math.abs(Math.log(width / height / o.aspect));
    if (!best || score < best.score - 1e-9) {
      best = { positions, width, height, score };
    }
  }
  return best!;
}

/**
 * Curves for the streams: leave the publisher on the side facing the subscriber and enter the subscriber on the
 * side facing the publisher; when the two boxes overlap horizontally (same column) both ends are on the right and
 * the curve bulges out. The middle of the k-th of m parallel streams between the same two endpoints is shifted by
 * (k − (m−1)/2)·`gap` px so that their curves, labels and alert markers do not cover each other.
 */
function routeEdges(links: readonly LayoutEdgeInput[], nodes: Map<string, Box>, gap: number): Map<string, Point[]> {
  const parallel = new Map<string, string[]>();
  for (const e of links) {
    const pair = e.source < e.target ? `${e.source}\u0000${e.target}` : `${e.target}\u0000${e.source}`;
    const ids = parallel.get(pair) ?? [];
    ids.push(e.id);
    parallel.set(pair, ids);
  }
  const shift = new Map<string, number>();
  for (const ids of parallel.values()) {
    // shifting both control points by d moves a cubic Bézier's middle by 3/4·d
    ids.forEach((id, k) => shift.set(id, ((k - (ids.length - 1) / 2) * gap) / 0.75));
  }
  const routes = new Map<string, Point[]>();
  for (const e of links) {
    routes.set(e.id, edgeRoute(nodes.get(e.source)!, nodes.get(e.target)!, shift.get(e.id)!));
  }
  return routes;
}

/**
 * The polyline of one stream between two endpoint boxes ({@link EDGE_POINTS} points on a cubic Bézier curve).
 * @param offset vertical shift of the curve's control points, px (parallel streams; the middle moves 3/4 of it)
 */
export function edgeRoute(source: Box, target: Box, offset = 0): Point[] {
  const apart = (source.width + target.width) / 2;
  let start: Point;
  let end: Point;
  let out: number; // +1: the curve leaves to the right
  let inward: number; // +1: the curve arrives from the right
  if (target.x - source.x >= apart) {
    start = { x: source.x + source.width / 2, y: source.y };
    end = { x: target.x - target.width / 2, y: target.y };
    out = 1;
    inward = -1;
  } else if (source.x - target.x >= apart) {
    start = { x: source.x - source.width / 2, y: source.y };
    end = { x: target.x + target.width / 2, y: target.y };
    out = -1;
    inward = 1;
  } else {
    // Same column (or the same endpoint: a loop from the upper to the lower half of its right side).
    const self = source.x === target.x && source.y === target.y;
    start = { x: source.x + source.width / 2, y: source.y - (self ? source.height / 4 : 0) };
    end = { x: target.x + target.width / 2, y: target.y + (self ? target.height / 4 : 0) };
    out = 1;
    inward = 1;
  }
  const pull =
    out === -inward
      ? Math.max(40, Math.abs(end.x - start.x) / 2)
      : 60 + Math.abs(end.y - start.y) / 4 + Math.abs(end.x - start.x);
  const c1 = { x: start.x + out * pull, y: start.y + offset };
  const c2 = { x: end.x + inward * pull, y: end.y + offset };
  const points: Point[] = [];
  for (let i = 0; i < EDGE_POINTS; i++) {
    const t = i / (EDGE_POINTS - 1);
    const u = 1 - t;
    const a = u * u * u;
    const b = 3 * u * u * t;
    const c = 3 * u * t * t;
    const d = t * t * t;
    points.push({
      x: a * start.x + b * c1.x + c * c2.x + d * end.x,
      y: a * start.y + b * c1.y + c * c2.y + d * end.y,
    });
  }
  return points;
}
