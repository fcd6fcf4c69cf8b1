import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { Router } from '@angular/router';
import { type ClusterNode, type Edge, GraphModule, type Node } from '@swimlane/ngx-graph';
import { Subject } from 'rxjs';

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
import { TopologyLayout, clusterId, topologySignature } from './topology-layout';

/** Node box size on the map, px. */
const NODE_WIDTH = 232;
const NODE_HEIGHT = 88;

/** What a node template needs, resolved from the latest view by endpoint id (status changes never re-layout). */
interface NodeVm {
  node: TopologyNode;
  state: StateView;
  shortName: string;
  line1: string;
  line2: string;
  iconPath: string;
}

interface EdgeVm {
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
}

/**
 * The topology map (ngx-graph with {@link TopologyLayout}: groups by cloud / region / network, publishers left of
 * their subscribers). The `nodes` / `links` / `clusters` arrays handed to ngx-graph keep their identity forever and
 * are refilled in place only when the set of node/edge ids changes; then one layout is requested through `update$`
 * (the layout caches its geometry per shape, so ngx-graph's own extra `update()` calls cost no layout). Per-poll
 * status (reachability, edge state, lag) is read by the node and link templates from signals keyed by id, so a
 * status change repaints without a layout (monitoring.md §4).
 */
@Component({
  selector: 'prm-topology-graph',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [GraphModule],
  templateUrl: './topology-graph.component.html',
  styleUrl: './topology-graph.component.scss',
})
export class TopologyGraphComponent {
  /** The topology to draw. */
  readonly view = input.required<TopologyView>();
  /** Endpoint id to highlight (e.g. picked in the table below). */
  readonly selectedId = input<string | null>(null);
  /** Streams by topology edge id (`<targetEndpointId>:<subscription>`): lag and threshold level for the labels. */
  readonly streams = input<ReadonlyMap<string, StreamView>>(new Map());

  private readonly router = inject(Router);
  /** Firing alerts by endpoint id (node markers) and by stream id (edge markers). */
  protected readonly nodeAlerts = inject(AlertsStore).firingByEndpoint;
  protected readonly edgeAlerts = inject(AlertsStore).firingByStream;

  /** Tooltip of an alert marker: one line per alert. */
  protected alertTitle(alerts: readonly AlertView[]): string {
    return `${alerts.length} firing alert${alerts.length === 1 ? '' : 's'}:\n${alerts.map((a) => `${a.severity}: ${a.summary}`).join('\n')}`;
  }

  protected alertTone(alerts: readonly AlertView[]): string {
    return alerts.some((a) => a.severity === 'critical') ? 'critical' : 'warning';
  }

  protected readonly layout = new TopologyLayout();
  /** Spacing of the layered layout (defaults of layered-layout.ts; the map panel is about 2.5 times wider than high). */
  protected readonly layoutSettings = {};
  /** Stable arrays (same references for the component's lifetime). */
  protected readonly nodes: Node[] = [];
  protected readonly links: Edge[] = [];
  protected readonly clusters: ClusterNode[] = [];
  protected readonly update$ = new Subject<boolean>();
  protected readonly center$ = new Subject<boolean>();
  protected readonly panToNode$ = new Subject<string>();
  protected readonly layoutRequests = signal(0);
  protected readonly layoutRuns = this.layout.runs;
  protected readonly iconPaths = ICON_PATHS;

  private signature = '';

  protected readonly nodeVms = computed(() => {
    const map = new Map<string, NodeVm>();
    for (const node of this.view().nodes) {
      const state = nodeStateView(node.reachability);
      map.set(node.id, {
        node,
        state,
        shortName: truncate(node.name, 28),
        line1: `${node.role} · ${node.serverVersion ? 'PG ' + node.serverVersion : 'version n/a'}`,
        line2: truncate([node.cloud, node.region, node.network].filter(Boolean).join(' / '), 34),
        iconPath: ICON_PATHS[state.icon],
      });
    }
    return map;
  });

  protected readonly edgeVms = computed(() => {
    const map = new Map<string, EdgeVm>();
    const streams = this.streams();
    for (const edge of this.view().edges) {
      const state = edgeStateView(edge.state);
      const stream = streams.get(edge.id);
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
      map.set(edge.id, {
        edge,
        state,
        label,
        level,
        levelRaw: stream?.level ?? null,
        title,
        labelWidth: Math.round((label.length + levelText.length) * 6.2) + 28 + (level ? 14 : 0),
        streamId: stream?.id ?? null,
      });
    }
    return map;
  });

  protected readonly clusterLabels = computed(() => {
    const counts = new Map<string, number>();
    for (const node of this.view().nodes) {
      counts.set(clusterId(node.group), (counts.get(clusterId(node.group)) ?? 0) + 1);
    }
    return counts;
  });

  protected readonly ariaSummary = computed(() => {
    const view = this.view();
    const down = view.nodes.filter((n) => n.reachability !== 'reachable').length;
    return `Replication topology: ${view.nodes.length} endpoints (${down} not connected), ${view.edges.length} streams. The tables below list the same information.`;
  });

  constructor() {
    effect(() => {
      const view = this.view();
      const signature = topologySignature(view);
      if (signature === this.signature) {
        return;
      }
      this.signature = signature;
      this.refill(view);
      untracked(() => this.layoutRequests.update((n) => n + 1));
      this.update$.next(true);
    });
    effect(() => {
      const id = this.selectedId();
      if (id) {
        this.panToNode$.next(id);
      }
    });
  }

  /** Opens the Stream page of an edge (click or Enter on the edge). */
  protected openStream(vm: EdgeVm): void {
    if (vm.streamId) {
      void this.router.navigate(['/streams', vm.streamId]);
    }
  }

  /** Re-centres the map. */
  recenter(): void {
    this.center$.next(true);
  }

  private refill(view: TopologyView): void {
    const nodeIds = new Set(view.nodes.map((n) => n.id));
    const groups = new Map<string, string[]>();
    for (const n of view.nodes) {
      const ids = groups.get(n.group) ?? [];
      ids.push(n.id);
      groups.set(n.group, ids);
    }
    this.nodes.splice(
      0,
      this.nodes.length,
      ...view.nodes.map((n) => ({ id: n.id, label: n.name, dimension: { width: NODE_WIDTH, height: NODE_HEIGHT } })),
    );
    this.clusters.splice(
      0,
      this.clusters.length,
      // A preset dimension (forceDimensions) stops ngx-graph from sizing the box by its label text;
      // fitClusters() sets the real size after each layout.
      ...[...groups].map(([group, childNodeIds]) => ({
        id: clusterId(group),
        label: group,
        childNodeIds,
        dimension: { width: 1, height: 1 },
        meta: { forceDimensions: true },
      })),
    );
    this.links.splice(
      0,
      this.links.length,
      ...view.edges
        .filter((e) => nodeIds.has(e.source) && nodeIds.has(e.target))
        .map((e) => ({ id: e.id, source: e.source, target: e.target, label: e.subscription })),
    );
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
