import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';

import { AuthService } from '../core/auth.service';
import { StreamsStore } from '../core/streams.store';
import { TopologyStore } from '../core/topology.store';
import { StateBadgeComponent } from '../shared/state-badge.component';
import {
  EDGE_LEGEND,
  ICON_PATHS,
  NODE_LEGEND,
  edgeStateView,
  formatBytes,
  formatDuration,
  levelView,
  nodeStateView,
} from '../shared/state-presentation';
import type { TopologyEdge, TopologyNode } from '../core/contracts';
import { TopologyGraphComponent } from './topology-graph.component';

/**
 * Rows each table under the map shows until "Show all" is pressed. The tables repeat the map for keyboard and
 * screen-reader users; a 500-endpoint fleet has 1 000+ stream rows, whose rendering (≈ 40 DOM nodes each) would cost
 * more than the map itself. Problem rows come first, so what needs attention is always within the first rows.
 */
export const TABLE_ROWS = 25;

/** `items` with those `needsAttention` accepts first, each part in its original order. */
export function problemsFirst<T>(items: readonly T[], needsAttention: (item: T) => boolean): T[] {
  return [...items.filter(needsAttention), ...items.filter((i) => !needsAttention(i))];
}

/** Default page: the replication map, its legend, and the same facts as accessible tables. */
@Component({
  selector: 'prm-topology-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TopologyGraphComponent, StateBadgeComponent, MatButtonModule, RouterLink, DatePipe],
  templateUrl: './topology-page.component.html',
  styleUrl: './topology-page.component.scss',
})
export class TopologyPageComponent {
  private readonly store = inject(TopologyStore);
  private readonly streams = inject(StreamsStore);
  private readonly auth = inject(AuthService);
  /** Operators and admins may create streams; viewers do not see the link. */
  protected readonly canCreate = computed(() => this.auth.can('operator'));

  protected readonly view = this.store.view;
  protected readonly error = this.store.error;
  protected readonly selectedId = signal<string | null>(null);
  protected readonly nodeLegend = NODE_LEGEND;
  protected readonly edgeLegend = EDGE_LEGEND;
  protected readonly iconPaths = ICON_PATHS;
  protected readonly nodeState = nodeStateView;
  protected readonly edgeState = edgeStateView;
  protected readonly formatBytes = formatBytes;
  protected readonly formatDuration = formatDuration;
  protected readonly levelView = levelView;
  /** Streams keyed by topology edge id (lag seconds and threshold level on the edges). */
  protected readonly streamsByEdge = this.streams.byEdgeId;

  /** Show every endpoint / stream row instead of the first {@link TABLE_ROWS}. */
  protected readonly allNodeRows = signal(false);
  protected readonly allEdgeRows = signal(false);
  /** Endpoint rows: not connected first. */
  protected readonly nodeRows = computed(() =>
    this.limit(
      problemsFirst(this.view()?.nodes ?? [], (n: TopologyNode) => n.reachability !== 'reachable'),
      this.allNodeRows(),
    ),
  );
  /** Stream rows: not streaming first. */
  protected readonly edgeRows = computed(() =>
    this.limit(
      problemsFirst(this.view()?.edges ?? [], (e: TopologyEdge) => e.state !== 'streaming'),
      this.allEdgeRows(),
    ),
  );

  protected readonly nodeNames = computed(
    () => new Map((this.view()?.nodes ?? []).map((n) => [n.id, n.name] as const)),
  );
  protected readonly summary = computed(() => {
    const view = this.view();
    if (!view) {
      return null;
    }
    const notConnected = view.nodes.filter((n) => n.reachability !== 'reachable').length;
    const notStreaming = view.edges.filter((e) => e.state !== 'streaming').length;
    return { nodes: view.nodes.length, edges: view.edges.length, notConnected, notStreaming };
  });

  constructor() {
    this.store.refresh();
    this.streams.refresh();
  }

  private limit<T>(rows: T[], all: boolean): T[] {
    return all ? rows : rows.slice(0, TABLE_ROWS);
  }

  /** Highlights an endpoint on the map and pans to it. */
  protected showOnMap(endpointId: string): void {
    this.selectedId.set(this.selectedId() === endpointId ? null : endpointId);
  }
}
