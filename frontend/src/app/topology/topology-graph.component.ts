import {
  ChangeDetectionStrategy,
  ChangeDetectorRef,
  Component,
  DestroyRef,
  ElementRef,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { type ClusterNode, type Edge, GraphComponent, GraphModule, type Node } from '@swimlane/ngx-graph';
import { Subject } from 'rxjs';

import type { StreamView, TopologyView } from '../core/contracts';
import { EDGE_POINTS } from './layered-layout';
import { TopologyEdgeComponent } from './topology-edge.component';
import { TopologyGroupComponent } from './topology-group.component';
import { type TopologyShape, TopologyLayout, clusterId, sameShape, topologyShape } from './topology-layout';
import { type MapRect, TopologyMapState } from './topology-map-state';
import { TopologyNodeComponent } from './topology-node.component';

/** Node box size on the map, px. */
const NODE_WIDTH = 232;
const NODE_HEIGHT = 88;
/** Zoom range of the map; 0.05 shows a whole 500-endpoint fleet in the panel. */
const MIN_ZOOM = 0.05;
const MAX_ZOOM = 1.4;
/** Zoom of "Show on map": the endpoint's details are drawn from {@link OVERVIEW_BELOW_ZOOM} on. */
const FOCUS_ZOOM = 0.8;
/** Space left around the whole map when it is fitted into the panel, px. */
const FIT_PADDING = 12;
/**
 * Below this zoom the map draws the overview: endpoint boxes with name and state icon, streams as coloured lines
 * without labels (their 11 px text would be under 7 px tall). Zooming in past it draws the details.
 */
export const OVERVIEW_BELOW_ZOOM = 0.6;
/**
 * Points per stream path after ngx-graph's resampling: as many as the layout's curve has (ngx-graph's default 48
 * costs 4× more per edge and per update).
 */
const EDGE_PATH_SAMPLES = EDGE_POINTS;
/** Grid the visible area is snapped to, layout px. */
const VISIBLE_GRID = 256;

const sameRect = (a: MapRect | null, b: MapRect | null): boolean =>
  a === b || (!!a && !!b && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height);

/**
 * d3 curve factory (ngx-graph's `[curve]`) joining the points with straight segments. The layout already sampled a
 * smooth curve; ngx-graph's default (a B-spline through the resampled points) took most of the time of drawing the
 * streams.
 */
export function polylineCurve(context: CanvasPath): {
  lineStart(): void;
  lineEnd(): void;
  areaStart(): void;
  areaEnd(): void;
  point(x: number, y: number): void;
} {
  let first = true;
  return {
    lineStart: () => (first = true),
    lineEnd: () => undefined,
    areaStart: () => undefined,
    areaEnd: () => undefined,
    point: (x: number, y: number) => {
      if (first) {
        context.moveTo(x, y);
        first = false;
      } else {
        context.lineTo(x, y);
      }
    },
  };
}

/**
 * The topology map: ngx-graph (pan, zoom, SVG templates) with {@link TopologyLayout} (groups by cloud / region /
 * network, publishers left of their subscribers, computed once per shape).
 *
 * What keeps it fast (issue 9; 300 endpoints took 2.4 s with dagre, a status repaint 0.5 s):
 * - the `nodes` / `links` / `clusters` arrays handed to ngx-graph keep their identity forever and are refilled in
 *   place only when the set of endpoints or streams changes; then one update is requested through `update$`, and
 *   the layout's cache turns ngx-graph's own extra `update()` calls into copies of the cached positions;
 * - per-poll status (reachability, edge state, lag, alerts) is drawn by one small component per endpoint, stream and
 *   group that reads only its own model signal ({@link TopologyMapState}); ngx-graph's item templates read no
 *   signal, so a status change re-checks the components whose content changed and neither re-runs ngx-graph's
 *   template (per-item getters) nor any layout (data-layout-runs);
 * - the panel size comes from a ResizeObserver (`[view]`), the fit zoom and centring from the layout's geometry
 *   ({@link fit}): ngx-graph's autoZoom would re-run a full update for each fit;
 * - zoomed out below {@link OVERVIEW_BELOW_ZOOM} (a large fleet fitted into the panel) the map draws an overview with
 *   a fraction of the elements: no stream labels or detail lines, and the streams are not tab stops (the tables under
 *   the map list and link them).
 */
@Component({
  selector: 'prm-topology-graph',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [GraphModule, TopologyGroupComponent, TopologyNodeComponent, TopologyEdgeComponent],
  providers: [TopologyMapState],
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

  protected readonly layout = new TopologyLayout();
  /** Spacing of the layered layout (defaults of layered-layout.ts; the map panel is about 2.5 times wider than high). */
  protected readonly layoutSettings = {};
  /** Stable arrays (same references for the component's lifetime). */
  protected readonly nodes: Node[] = [];
  protected readonly links: Edge[] = [];
  protected readonly clusters: ClusterNode[] = [];
  protected readonly update$ = new Subject<boolean>();
  protected readonly layoutRequests = signal(0);
  protected readonly layoutRuns = this.layout.runs;
  protected readonly tones = ['ok', 'warn', 'bad', 'muted'];
  protected readonly minZoom = MIN_ZOOM;
  protected readonly maxZoom = MAX_ZOOM;
  protected readonly edgePathSamples = EDGE_PATH_SAMPLES;
  protected readonly curve = polylineCurve;
  /**
   * Map panel size in px (ResizeObserver), handed to ngx-graph as `[view]`: without it ngx-graph measures its parent
   * with getBoundingClientRect on every update, forcing a layout of the whole page each time.
   */
  protected readonly size = signal<[number, number] | null>(null);
  /**
   * Current zoom (ngx-graph's `zoomChange`): the zoom that fits the whole map in the panel, set by {@link fit} for
   * each new shape or panel size, then whatever the user zooms to with the wheel.
   */
  protected readonly zoom = signal(1);
  /** Overview drawing (see {@link OVERVIEW_BELOW_ZOOM}); exposed as `data-detail` on the map. */
  protected readonly overview = computed(() => this.zoom() < OVERVIEW_BELOW_ZOOM);
  /**
   * The part of the map in or near the panel, in layout coordinates: the panel plus a quarter panel on each side,
   * snapped outwards to a {@link VISIBLE_GRID} px grid so that small pans leave it unchanged. Zoomed in, only the
   * items inside draw their details. Null until ngx-graph reported its first transform.
   */
  protected readonly visible = signal<MapRect | null>(null, { equal: sameRect });
  private readonly wrap = viewChild.required<ElementRef<HTMLElement>>('wrap');
  private readonly graph = viewChild(GraphComponent);
  private readonly graphView = viewChild(GraphComponent, { read: ChangeDetectorRef });
  /**
   * True once ngx-graph ran its start-up updates. It calls `update()` (a full pass: layout, every edge path, change
   * detection of every node) from ngOnChanges, from a visibility check and from a timer after its first view check;
   * handing it the endpoints only after those (a timer queued behind its own) leaves one full update per shape
   * instead of three or four.
   */
  private readonly graphStarted = signal(false);

  private shape: TopologyShape | null = null;
  private readonly state = inject(TopologyMapState);

  protected readonly ariaSummary = computed(() => {
    const view = this.view();
    const down = view.nodes.filter((n) => n.reachability !== 'reachable').length;
    return `Replication topology: ${view.nodes.length} endpoints (${down} not connected), ${view.edges.length} streams. The tables below list the same information.`;
  });

  constructor() {
    this.state.connect({
      view: this.view,
      streams: this.streams,
      selectedId: this.selectedId,
      overview: this.overview,
      visible: this.visible,
    });
    effect(() => {
      if (this.graph() && !untracked(this.graphStarted)) {
        setTimeout(() => this.graphStarted.set(true));
      }
    });
    effect(() => {
      const view = this.view();
      const shape = topologyShape(view);
      if (sameShape(this.shape, shape) || !this.graphStarted()) {
        return;
      }
      this.shape = shape;
      this.refill(view);
      untracked(() => this.layoutRequests.update((n) => n + 1));
      this.update$.next(true);
      untracked(() => this.fit());
    });
    effect(() => {
      if (this.size() && untracked(this.graphStarted)) {
        untracked(() => this.fit());
      }
    });
    const destroyRef = inject(DestroyRef);
    afterNextRender(() => {
      const observer = new ResizeObserver(([entry]) => {
        const next: [number, number] = [Math.floor(entry.contentRect.width), Math.floor(entry.contentRect.height)];
        const current = this.size();
        if (next[0] > 0 && next[1] > 0 && (!current || current[0] !== next[0] || current[1] !== next[1])) {
          this.size.set(next);
        }
      });
      observer.observe(this.wrap().nativeElement);
      destroyRef.onDestroy(() => observer.disconnect());
    });
    effect(() => {
      const id = this.selectedId();
      if (id) {
        untracked(() => this.focus(id));
      }
    });
  }

  /** Shows the whole map again (zoom to fit, centred). */
  recenter(): void {
    this.fit();
  }

  /** ngx-graph's zoom changed (mouse wheel): switches between overview and details. */
  protected zoomed(level: number): void {
    this.zoom.set(level);
  }

  /** ngx-graph's state changed; on a new transform (pan, zoom) recomputes {@link visible}. */
  protected moved(state: string): void {
    const graph = this.graph();
    const size = this.size();
    if (state !== 'transform' || !graph || !size) {
      return;
    }
    const zoom = graph.zoomLevel;
    const width = size[0] / zoom;
    const height = size[1] / zoom;
    const left = -graph.panOffsetX / zoom - width / 4;
    const top = -graph.panOffsetY / zoom - height / 4;
    const down = (v: number) => Math.floor(v / VISIBLE_GRID) * VISIBLE_GRID;
    const up = (v: number) => Math.ceil(v / VISIBLE_GRID) * VISIBLE_GRID;
    const x = down(left);
    const y = down(top);
    this.visible.set({ x, y, width: up(left + 1.5 * width) - x, height: up(top + 1.5 * height) - y });
  }

  /**
   * Centres the map on an endpoint, zoomed in to at least {@link FOCUS_ZOOM} so that its details are readable
   * (the table's "Show on map").
   */
  private focus(endpointId: string): void {
    const graph = this.graph();
    const box = this.layout.geometry?.nodes.get(endpointId);
    if (!graph || !box) {
      return;
    }
    graph.zoomTo(Math.max(graph.zoomLevel, FOCUS_ZOOM), { layout: false });
    graph.panTo(box.x, box.y);
    this.graphView()?.markForCheck();
  }

  /**
   * Zooms so that the whole map fits the panel (at most 1:1, within the zoom range) and centres it, from the layout's
   * geometry, with ngx-graph's `zoomTo(level, { layout: false })` and `panTo`. Its own `autoZoom` is off: it fits
   * with `zoomTo(level)`, which re-runs a full update (layout, every edge path, change detection of every node),
   * and its `autoCenter` assumes the map starts 100 px left of the origin.
   */
  private fit(): void {
    const graph = this.graph();
    const size = this.size();
    if (!graph || !size || !this.nodes.length) {
      return;
    }
    // ngx-graph's update already laid this shape out: a cache hit.
    this.layout.run({ nodes: this.nodes, edges: this.links, clusters: this.clusters });
    const map = this.layout.geometry;
    if (!map) {
      return;
    }
    const zoom = Math.min((size[0] - 2 * FIT_PADDING) / map.width, (size[1] - 2 * FIT_PADDING) / map.height, 1);
    graph.zoomTo(Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom)), { layout: false });
    graph.panTo(map.width / 2, map.height / 2);
    // zoomTo/panTo only recompute ngx-graph's transform; its OnPush view must be checked to draw it.
    this.graphView()?.markForCheck();
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
      // the layout sets the real box around the group's endpoints.
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
    this.state.prune(nodeIds, new Set(this.links.map((l) => l.id as string)), new Set(this.clusters.map((c) => c.id)));
  }
}
