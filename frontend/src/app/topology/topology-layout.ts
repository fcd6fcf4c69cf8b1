import { signal } from '@angular/core';
import type { ClusterNode, Edge, Graph, Layout, Node } from '@swimlane/ngx-graph';

import type { TopologyView } from '../core/contracts';
import {
  type LayeredLayoutOptions,
  type LayoutEdgeInput,
  type LayoutNodeInput,
  type TopologyGeometry,
  edgeRoute,
  layoutTopology,
} from './layered-layout';

/**
 * ngx-graph `Layout` for the topology map: {@link layoutTopology} (grouped, layered, linear time), computed once per
 * map shape and then re-applied from a cache.
 *
 * ngx-graph 13 calls `run()` on every `update()`: on input changes, when the map becomes visible, after its first
 * view check and on container resizes (shared/research/monitoring.md §4), i.e. 3–4 times while the page opens. The
 * shape (endpoint ids, sizes and groups; stream ids and ends) is the cache key, so only a new or removed endpoint or
 * stream computes a geometry; {@link runs} counts those computations (`data-layout-runs` on the map, which the browser
 * tests and the console benchmark read to prove that a status change did not re-layout).
 */
export class TopologyLayout implements Layout {
  private readonly runCount = signal(0);
  /** Geometries computed since creation (cache misses). */
  readonly runs = this.runCount.asReadonly();
  private cached: { key: string; geometry: TopologyGeometry } | null = null;

  /** Spacing overrides (ngx-graph's `[layoutSettings]`), px. */
  settings: Partial<LayeredLayoutOptions> = {};
  /**
   * Read by ngx-graph (`isLayoutMultigraph`): edges are matched by id, not by their ends, so two subscriptions of
   * one subscriber to the same publisher stay two edges.
   */
  readonly defaultSettings = { multigraph: true };

  /** The geometry of the last run; null before the first. */
  get geometry(): TopologyGeometry | null {
    return this.cached?.geometry ?? null;
  }

  /**
   * Positions the graph's nodes (centre `position`, `dimension`), clusters (box around their endpoints) and edges
   * (`points`, EDGE_POINTS per stream) in place and returns the same graph. Synchronous: the whole computation for 500
   * endpoints takes milliseconds, so neither a Web Worker nor an Observable result is needed.
   */
  run(graph: Graph): Graph {
    if (!graph.nodes.length) {
      return graph; // nothing to place (ngx-graph's start-up updates before the endpoints are handed over)
    }
    const { nodes, edges } = layoutInput(graph);
    const key = shapeKey(nodes, edges, this.settings);
    if (this.cached?.key !== key) {
      this.cached = { key, geometry: layoutTopology(nodes, edges, this.settings) };
      this.runCount.update((n) => n + 1);
    }
    const geometry = this.cached.geometry;
    for (const node of graph.nodes) {
      const box = geometry.nodes.get(node.id);
      if (box) {
        node.position = { x: box.x, y: box.y };
        node.dimension = { width: box.width, height: box.height };
      }
    }
    for (const cluster of graph.clusters ?? []) {
      const box = geometry.groups.get(cluster.id);
      if (box) {
        cluster.position = { x: box.x, y: box.y };
        cluster.dimension = { width: box.width, height: box.height };
      }
    }
    for (const edge of graph.edges) {
      const points = edge.id ? geometry.edges.get(edge.id) : undefined;
      if (points) {
        edge.points = points.map((p) => ({ ...p }));
      }
    }
    return graph;
  }

  /** Re-routes one edge from its ends' current boxes (ngx-graph calls it after a node drag). */
  updateEdge(graph: Graph, edge: Edge): Graph {
    const source = graph.nodes.find((n) => n.id === edge.source);
    const target = graph.nodes.find((n) => n.id === edge.target);
    if (source?.position && source.dimension && target?.position && target.dimension) {
      edge.points = edgeRoute({ ...source.position, ...source.dimension }, { ...target.position, ...target.dimension });
    }
    return graph;
  }
}

/** Endpoints (with their cluster as group; none = a group of their own) and streams of an ngx-graph graph. */
function layoutInput(graph: Graph): { nodes: LayoutNodeInput[]; edges: LayoutEdgeInput[] } {
  const groupOf = new Map<string, string>();
  for (const cluster of (graph.clusters ?? []) as ClusterNode[]) {
    for (const child of cluster.childNodeIds ?? []) {
      groupOf.set(child, cluster.id);
    }
  }
  const nodes = graph.nodes.map((n: Node) => ({
    id: n.id,
    label: n.label ?? n.id,
    group: groupOf.get(n.id) ?? `node:${n.id}`,
    width: n.dimension?.width ?? 1,
    height: n.dimension?.height ?? 1,
  }));
  const edges = graph.edges.map((e, i) => ({ id: e.id ?? `edge-${i}`, source: e.source, target: e.target }));
  return { nodes, edges };
}

function shapeKey(nodes: LayoutNodeInput[], edges: LayoutEdgeInput[], settings: object): string {
  const n = nodes.map((x) => `${x.id}\u0001${x.label}\u0001${x.group}\u0001${x.width}x${x.height}`).sort();
  const e = edges.map((x) => `${x.id}\u0001${x.source}\u0001${x.target}`).sort();
  return JSON.stringify([n, e, settings]);
}

/**
 * What the map's geometry depends on: each endpoint's group and name, each stream's ends. Two views with equal shapes
 * ({@link sameShape}) lay out identically, so only a shape change refills the map's arrays.
 */
export interface TopologyShape {
  /** `group \u0001 name` by endpoint id. */
  nodes: ReadonlyMap<string, string>;
  /** `source \u0001 target` by edge id. */
  edges: ReadonlyMap<string, string>;
}

/** The shape of a view (O(endpoints + streams), no sorting: it runs on every status refetch). */
export function topologyShape(view: TopologyView): TopologyShape {
  return {
    nodes: new Map(view.nodes.map((n) => [n.id, `${n.group}\u0001${n.name}`])),
    edges: new Map(view.edges.map((e) => [e.id, `${e.source}\u0001${e.target}`])),
  };
}

/** True when both shapes have the same endpoints (group, name) and streams (ends), in any order. */
export function sameShape(a: TopologyShape | null, b: TopologyShape): boolean {
  if (!a || a.nodes.size !== b.nodes.size || a.edges.size !== b.edges.size) {
    return false;
  }
  for (const [id, v] of b.nodes) {
    if (a.nodes.get(id) !== v) {
      return false;
    }
  }
  for (const [id, v] of b.edges) {
    if (a.edges.get(id) !== v) {
      return false;
    }
  }
  return true;
}

/** Cluster id used for a node group (`cloud / region / network`). */
export function clusterId(group: string): string {
  return `group:${group}`;
}
