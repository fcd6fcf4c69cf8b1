import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { Router } from '@angular/router';

import { ICON_PATHS } from '../shared/state-presentation';
import { TopologyMapState } from './topology-map-state';
import { alertTitle, alertTone } from './topology-node.component';

/**
 * One stream of the topology map (`<svg:g prmTopologyEdge>` in ngx-graph's link template): the line from ngx-graph
 * (`line`, `midPoint` of the layout's route) and what its model says (state, lag, threshold level, alerts). Reads
 * only its own model ({@link TopologyMapState.edge}) and the overview flag, all inside its own template (see
 * TopologyNodeComponent). The inner `g` carries `data-testid="edge-<subscription>"`, `data-state` and `data-level`;
 * with the details drawn it is a link to the stream's page (click or Enter), in the overview it is not a tab stop
 * (the tables under the map link the streams).
 */
@Component({
  selector: 'g[prmTopologyEdge]',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (vm(); as vm) {
      <svg:g
        [attr.class]="lineClass()"
        [attr.data-testid]="'edge-' + vm.edge.subscription"
        [attr.data-state]="vm.edge.state"
        [attr.data-level]="vm.levelRaw"
        [attr.role]="vm.streamId && !overview() ? 'link' : null"
        [attr.tabindex]="vm.streamId && !overview() ? 0 : null"
        [attr.aria-label]="overview() ? null : vm.title"
        (click)="open()"
        (keydown.enter)="open()"
      >
        <svg:title>{{ vm.title }}</svg:title>
        <svg:path class="line" [attr.d]="line()" [attr.marker-end]="'url(#prm-arrow-' + vm.state.tone + ')'" />
        @let mid = midPoint();
        @if (vm.alerts.length > 0 && mid) {
          <svg:g
            [attr.class]="'alert-marker ' + alertTone(vm.alerts)"
            [attr.transform]="'translate(' + (mid.x - 17) + ' ' + (mid.y - 30) + ')'"
            [attr.data-testid]="'edge-alerts-' + vm.edge.subscription"
          >
            <svg:title>{{ alertTitle(vm.alerts) }}</svg:title>
            <svg:rect width="34" height="16" rx="8" />
            <svg:text x="17" y="12" text-anchor="middle">⚠ {{ vm.alerts.length }}</svg:text>
          </svg:g>
        }
        @if (mid && labelled()) {
          <svg:g class="edge-label" [attr.transform]="'translate(' + mid.x + ' ' + mid.y + ')'">
            <svg:rect [attr.x]="-vm.labelWidth / 2" y="-10" [attr.width]="vm.labelWidth" height="20" rx="10" />
            <svg:path
              [attr.d]="iconPaths[vm.state.icon]"
              [attr.transform]="'translate(' + (-vm.labelWidth / 2 + 5) + ' -7) scale(0.58)'"
            />
            <svg:text
              [attr.x]="-vm.labelWidth / 2 + 21"
              y="4"
              [attr.data-testid]="'edge-state-' + vm.edge.subscription"
            >
              {{ vm.label }}
              @if (vm.level; as level) {
                <svg:tspan
                  [attr.class]="'level tone-' + level.tone"
                  [attr.data-testid]="'edge-level-' + vm.edge.subscription"
                >
                  · {{ level.tone === 'ok' ? '✓' : '⚠' }} {{ level.label }}
                </svg:tspan>
              }
            </svg:text>
          </svg:g>
        }
      </svg:g>
    }
  `,
  styleUrl: './topology-items.scss',
})
export class TopologyEdgeComponent {
  /** Topology edge id (`<targetEndpointId>:<subscription>`). */
  readonly edgeId = input.required<string>();
  /** SVG path of the line (ngx-graph's `link.line`). */
  readonly line = input<string | undefined>();
  /** Label anchor (ngx-graph's `link.midPoint`). */
  readonly midPoint = input<{ x: number; y: number } | undefined>();

  private readonly router = inject(Router);
  private readonly state = inject(TopologyMapState);
  protected readonly vm = computed(() => this.state.edge(this.edgeId())());
  protected readonly overview = this.state.overview;
  /** The label (state, lag, level) only when zoomed in and its anchor is in or near the panel. */
  protected readonly labelled = computed(() => {
    const mid = this.midPoint();
    return !!mid && !this.overview() && this.state.inView(mid.x, mid.y);
  });
  protected readonly iconPaths = ICON_PATHS;
  protected readonly alertTitle = alertTitle;
  protected readonly alertTone = alertTone;
  protected readonly lineClass = computed(() => {
    const vm = this.vm();
    if (!vm) {
      return 'edge';
    }
    return `edge tone-${vm.state.tone}${vm.state.dashed ? ' dashed' : ''}${vm.streamId ? ' linked' : ''}`;
  });

  /** Opens the Stream page (click or Enter on the edge), when the stream is known. */
  protected open(): void {
    const streamId = this.vm()?.streamId;
    if (streamId) {
      void this.router.navigate(['/streams', streamId]);
    }
  }
}
