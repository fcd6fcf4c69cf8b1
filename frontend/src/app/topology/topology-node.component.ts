import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import type { AlertView } from '@prm/contracts/alert.js';
import { TopologyMapState } from './topology-map-state';

/**
 * One endpoint box of the topology map (`<svg:g prmTopologyNode>` in ngx-graph's node template). Reads only its own
 * model ({@link TopologyMapState.node}), the overview flag and the selection, so a status change re-checks this
 * component alone. Zoomed in, only the boxes in or near the panel draw their details (a 1 000-endpoint map zoomed in
 * shows a few dozen), the others keep the overview's name and icon. Everything that changes is bound inside its own
 * template (the inner `g` carries
 * `data-testid="node-<name>"` and `data-state`, the reachability): a signal read in a host binding would be checked
 * as part of ngx-graph's view and re-run ngx-graph's whole template.
 */
@Component({
  selector: 'g[prmTopologyNode]',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (vm(); as vm) {
      <svg:g
        [attr.class]="boxClass()"
        [attr.data-testid]="'node-' + vm.node.name"
        [attr.data-state]="vm.node.reachability"
      >
        <svg:title>{{ vm.node.name }}: {{ vm.state.label }} ({{ vm.state.description }})</svg:title>
        <svg:rect class="frame" rx="6" ry="6" [attr.width]="width()" [attr.height]="height()" />
        <svg:rect class="stripe" x="0" y="0" width="5" [attr.height]="height()" rx="2" />
        @if (!detailed()) {
          <svg:text x="14" y="34" class="name overview">{{ vm.overviewName }}</svg:text>
          <svg:path class="state-icon" [attr.d]="vm.iconPath" transform="translate(14 48) scale(1.2)" />
        } @else {
          <svg:text x="14" y="21" class="name">{{ vm.shortName }}</svg:text>
          <svg:text x="14" y="39" class="meta">{{ vm.line1 }}</svg:text>
          <svg:text x="14" y="55" class="meta">{{ vm.line2 }}</svg:text>
          <svg:g transform="translate(14 63)" class="state">
            <svg:path [attr.d]="vm.iconPath" transform="scale(0.66)" />
            <svg:text x="21" y="12" [attr.data-testid]="'node-state-' + vm.node.name">{{ vm.state.label }}</svg:text>
          </svg:g>
        }
        @if (vm.alerts.length > 0) {
          <svg:g
            [attr.class]="'alert-marker ' + alertTone(vm.alerts)"
            [attr.transform]="'translate(' + (width() - 40) + ' 6)'"
            [attr.data-testid]="'node-alerts-' + vm.node.name"
          >
            <svg:title>{{ alertTitle(vm.alerts) }}</svg:title>
            <svg:rect width="34" height="16" rx="8" />
            <svg:text x="17" y="12" text-anchor="middle">⚠ {{ vm.alerts.length }}</svg:text>
          </svg:g>
        }
      </svg:g>
    }
  `,
  styleUrl: './topology-items.scss',
})
export class TopologyNodeComponent {
  /** Endpoint id. */
  readonly nodeId = input.required<string>();
  /** Box centre and size from the layout, px. */
  readonly x = input.required<number>();
  readonly y = input.required<number>();
  readonly width = input.required<number>();
  readonly height = input.required<number>();

  private readonly state = inject(TopologyMapState);
  protected readonly vm = computed(() => this.state.node(this.nodeId())());
  /** Details (role, version, group, state text) only when zoomed in and in or near the panel. */
  protected readonly detailed = computed(
    () => !this.state.overview() && this.state.inView(this.x(), this.y(), this.width(), this.height()),
  );
  protected readonly boxClass = computed(() => {
    const vm = this.vm();
    if (!vm) {
      return 'node';
    }
    return (
      `node tone-${vm.state.tone}` +
      (vm.state.dashed ? ' dashed' : '') +
      (this.state.selectedId() === vm.node.id ? ' selected' : '')
    );
  });

  /** Tooltip of an alert marker: one line per alert. */
  protected alertTitle(alerts: readonly AlertView[]): string {
    return alertTitle(alerts);
  }

  protected alertTone(alerts: readonly AlertView[]): string {
    return alertTone(alerts);
  }
}

/** Tooltip of an alert marker: the count, then one line per alert (severity: summary). */
export function alertTitle(alerts: readonly AlertView[]): string {
  return `${alerts.length} firing alert${alerts.length === 1 ? '' : 's'}:\n${alerts.map((a) => `${a.severity}: ${a.summary}`).join('\n')}`;
}

/** `critical` when any alert is critical, else `warning` (the marker's colour). */
export function alertTone(alerts: readonly AlertView[]): string {
  return alerts.some((a) => a.severity === 'critical') ? 'critical' : 'warning';
}
