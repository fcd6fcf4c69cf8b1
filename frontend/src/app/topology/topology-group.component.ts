import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { TopologyMapState } from './topology-map-state';

/**
 * One group box of the topology map (`<svg:g prmTopologyGroup>` in ngx-graph's cluster template): `cloud / region /
 * network` and its endpoint count, `data-testid="group-<label>"` on its `g`.
 */
@Component({
  selector: 'g[prmTopologyGroup]',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <svg:g class="cluster" [attr.data-testid]="'group-' + label()">
      <svg:rect rx="8" ry="8" [attr.width]="width()" [attr.height]="height()" />
      <svg:text x="10" [attr.y]="overview() ? 22 : 16" [attr.class]="'cluster-label' + (overview() ? ' overview' : '')">
        {{ label() }} ({{ size() }})
      </svg:text>
    </svg:g>
  `,
  styleUrl: './topology-items.scss',
})
export class TopologyGroupComponent {
  /** Cluster id (`group:<label>`). */
  readonly groupId = input.required<string>();
  /** `cloud / region / network`. */
  readonly label = input.required<string>();
  /** Box size from the layout, px. */
  readonly width = input.required<number>();
  readonly height = input.required<number>();

  private readonly state = inject(TopologyMapState);
  protected readonly overview = this.state.overview;
  protected readonly size = computed(() => this.state.groupSize(this.groupId())());
}
