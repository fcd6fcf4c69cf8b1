import { Injectable, type Signal, computed, inject } from '@angular/core';

import type { AlertView } from '@prm/contracts/alert.js';
import { AlertsStore } from '../alerts/alerts.store';
import type { StreamView, TopologyEdge, TopologyNode, TopologyView } from '../core/contracts';
import {
  ICON_PATHS,
  type StateView,
  edgeStateView,
  formatBytes,
  formatDuration,
  levelView,
  nodeStateView,
} from '../shared/state-presentation';
import { clusterId } from './topology-layout';

/** What an endpoint box shows. `key` ({@link nodeKey}) identifies it: two models with the same key draw the same. */
export interface NodeVm {
  key: string;
  node: TopologyNode;
  state: StateView;
  shortName: string;
  /** Name for the overview's larger font. */
  overviewName: string;
  line1: string;
  line2: string;
  iconPath: string;
  /** Firing alerts naming this endpoint. */
  alerts: readonly AlertView[];
}

/** What a stream line shows. `key` ({@link edgeKey}) identifies it, as for {@link NodeVm}. */
export interface EdgeVm {
  key: string;
  edge: TopologyEdge;
  state: StateView;
  label: string;
  /** Threshold level text and presentation, when the stream is known (`GET /api/streams`). */
  level: StateView | null;
  levelRaw: string | null;
  title: string;
  labelWidth: number;
  /** Stream page to open on click, when the stream is known. */
  streamId: string | null;
  /** Firing alerts naming this stream. */
  alerts: readonly AlertView[];
}

/** A rectangle of the map in layout coordinates (px at zoom 1): top-left corner and size. */
export interface MapRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The graph component's signals the map items read. */
export interface TopologyMapSources {
  view: Signal<TopologyView>;
  /** Streams by topology edge id (`<targetEndpointId>:<subscription>`). */
  streams: Signal<ReadonlyMap<string, StreamView>>;
  selectedId: Signal<string | null>;
  /** True while the map draws its overview (zoomed out). */
  overview: Signal<boolean>;
  /** The part of the map in (or near) the panel; null until the first pan/zoom is known (then: everything). */
  visible: Signal<MapRect | null>;
}

const NO_ALERTS: readonly AlertView[] = [];

/**
 * Per-item view models of the topology map, one signal per endpoint, stream and group, each recomputed from the
 * latest view but changing only when what that item draws changes: the item's inputs are reduced to a key first
 * ({@link nodeKey}, {@link edgeKey}) and an unchanged key returns the previous model object. The node, edge and group
 * components read only their own item's signal, so a status change that touches one endpoint re-checks that
 * endpoint's component and its streams, not the whole map (ngx-graph's own template, with per-item getters, is not
 * re-run either). Provided by the graph component; {@link connect} must be called before any item is read.
 */
@Injectable()
export class TopologyMapState {
  private readonly alerts = inject(AlertsStore);
  private sources!: TopologyMapSources;
  private readonly nodeSignals = new Map<string, Signal<NodeVm | undefined>>();
  private readonly edgeSignals = new Map<string, Signal<EdgeVm | undefined>>();
  private readonly groupSignals = new Map<string, Signal<number>>();
  private readonly nodeModels = new Map<string, NodeVm>();
  private readonly edgeModels = new Map<string, EdgeVm>();

  private readonly nodesById = computed(() => new Map(this.sources.view().nodes.map((n) => [n.id, n] as const)));
  private readonly edgesById = computed(() => new Map(this.sources.view().edges.map((e) => [e.id, e] as const)));
  private readonly groupSizes = computed(() => {
    const counts = new Map<string, number>();
    for (const node of this.sources.view().nodes) {
      counts.set(clusterId(node.group), (counts.get(clusterId(node.group)) ?? 0) + 1);
    }
    return counts;
  });

  /** The signals the items are derived from (the graph component's inputs and zoom state). */
  connect(sources: TopologyMapSources): void {
    this.sources = sources;
  }

  /** True while the map draws its overview. */
  get overview(): Signal<boolean> {
    return this.sources.overview;
  }

  /** The endpoint highlighted from the tables. */
  get selectedId(): Signal<string | null> {
    return this.sources.selectedId;
  }

  /**
   * True when the box centred on (`x`, `y`) of `width` × `height` px (layout coordinates) overlaps the part of the
   * map in or near the panel. Reads the visible-area signal: the items re-evaluate it as the map pans and zooms.
   */
  inView(x: number, y: number, width = 0, height = 0): boolean {
    const r = this.sources.visible();
    return (
      !r ||
      (x + width / 2 >= r.x &&
        x - width / 2 <= r.x + r.width &&
        y + height / 2 >= r.y &&
        y - height / 2 <= r.y + r.height)
    );
  }

  /** The model of one endpoint box; undefined once the endpoint left the view. */
  node(id: string): Signal<NodeVm | undefined> {
    let s = this.nodeSignals.get(id);
    if (!s) {
      s = computed(() => {
        const node = this.nodesById().get(id);
        if (!node) {
          return undefined;
        }
        const alerts = this.alerts.firingByEndpoint().get(id) ?? NO_ALERTS;
        const previous = this.nodeModels.get(id);
        if (previous?.key === nodeKey(node, alerts)) {
          return previous;
        }
        const vm = nodeVm(node, alerts);
        this.nodeModels.set(id, vm);
        return vm;
      });
      this.nodeSignals.set(id, s);
    }
    return s;
  }

  /** The model of one stream line; undefined once the stream left the view. */
  edge(id: string): Signal<EdgeVm | undefined> {
    let s = this.edgeSignals.get(id);
    if (!s) {
      s = computed(() => {
        const edge = this.edgesById().get(id);
        if (!edge) {
          return undefined;
        }
        const stream = this.sources.streams().get(id);
        const alerts = stream ? (this.alerts.firingByStream().get(stream.id) ?? NO_ALERTS) : NO_ALERTS;
        const previous = this.edgeModels.get(id);
        if (previous?.key === edgeKey(edge, stream, alerts)) {
          return previous;
        }
        const vm = edgeVm(edge, stream, alerts);
        this.edgeModels.set(id, vm);
        return vm;
      });
      this.edgeSignals.set(id, s);
    }
    return s;
  }

  /** Number of endpoints in a group box (by cluster id). */
  groupSize(id: string): Signal<number> {
    let s = this.groupSignals.get(id);
    if (!s) {
      s = computed(() => this.groupSizes().get(id) ?? 0);
      this.groupSignals.set(id, s);
    }
    return s;
  }

  /** Forgets the signals of items no longer on the map (called when the map's shape changes). */
  prune(nodeIds: ReadonlySet<string>, edgeIds: ReadonlySet<string>, groupIds: ReadonlySet<string>): void {
    for (const [map, keep] of [
      [this.nodeSignals, nodeIds],
      [this.nodeModels, nodeIds],
      [this.edgeSignals, edgeIds],
      [this.edgeModels, edgeIds],
      [this.groupSignals, groupIds],
    ] as const) {
      for (const id of [...map.keys()]) {
        if (!keep.has(id)) {
          map.delete(id);
        }
      }
    }
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const alertsKey = (alerts: readonly AlertView[]): string =>
  alerts.map((a) => `${a.id}:${a.severity}:${a.summary}`).join('\u0002');

/** Everything an endpoint box shows depends on, as one string (cheaper than building the model). */
export function nodeKey(node: TopologyNode, alerts: readonly AlertView[]): string {
  return [
    node.name,
    node.reachability,
    node.role,
    node.serverVersion ?? '',
    node.cloud,
    node.region ?? '',
    node.network ?? '',
    alertsKey(alerts),
  ].join('\u0001');
}

/** Everything a stream line shows depends on, as one string (cheaper than building the model). */
export function edgeKey(edge: TopologyEdge, stream: StreamView | undefined, alerts: readonly AlertView[]): string {
  return [
    edge.subscription,
    edge.state,
    edge.lagBytes ?? '',
    edge.publications.join(','),
    stream?.id ?? '',
    stream?.level ?? '',
    stream?.lag.bytes ?? '',
    stream?.lag.seconds ?? '',
    alertsKey(alerts),
  ].join('\u0001');
}

/** The box model of an endpoint and its firing alerts. */
export function nodeVm(node: TopologyNode, alerts: readonly AlertView[]): NodeVm {
  const state = nodeStateView(node.reachability);
  // `server_version` may carry the distribution's build ("15.20 (Debian 15.20-0+deb12u1)"): the box shows the number
  const version = node.serverVersion?.split(' ')[0];
  const line1 = truncate(`${node.role} · ${version ? 'PG ' + version : 'version n/a'}`, 34);
  const line2 = truncate([node.cloud, node.region, node.network].filter(Boolean).join(' / '), 34);
  return {
    key: nodeKey(node, alerts),
    node,
    state,
    shortName: truncate(node.name, 28),
    overviewName: truncate(node.name, 17),
    line1,
    line2,
    iconPath: ICON_PATHS[state.icon],
    alerts,
  };
}

/** The line model of a stream: state, lag (from the stream when known, else the slot's), threshold level, alerts. */
export function edgeVm(edge: TopologyEdge, stream: StreamView | undefined, alerts: readonly AlertView[]): EdgeVm {
  const state = edgeStateView(edge.state);
  const bytes = stream ? stream.lag.bytes : edge.lagBytes;
  const lagText =
    bytes !== null || (stream?.lag.seconds ?? null) !== null
      ? ` · ${formatBytes(bytes)} / ${formatDuration(stream?.lag.seconds ?? null)}`
      : '';
  const level = stream ? levelView(stream.level) : null;
  const label = `${edge.subscription} · ${state.label}${lagText}`;
  const levelText = level ? ` · ${level.label}` : '';
  const title =
    `${edge.subscription}: ${state.label} (${state.description})` +
    `${lagText ? `, lag${lagText.slice(2)}` : ''}${level ? `, threshold ${level.label}` : ''}` +
    `; publications ${edge.publications.join(', ')}${stream ? '. Click to open the stream.' : ''}`;
  const streamId = stream?.id ?? null;
  return {
    key: edgeKey(edge, stream, alerts),
    edge,
    state,
    label,
    level,
    levelRaw: stream?.level ?? null,
    title,
    labelWidth: Math.round((label.length + levelText.length) * 6.2) + 28 + (level ? 14 : 0),
    streamId,
    alerts,
  };
}
