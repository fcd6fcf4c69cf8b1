import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { RouterLink } from '@angular/router';

import type { AlertView } from '@prm/contracts/alert.js';

/**
 * A small "N alerts" pill linking to the Alerts page, for rows (streams) and cards. Renders nothing without alerts.
 * Readable without colour: it carries the count, the word "alert" and the summaries in its title/aria-label.
 */
@Component({
  selector: 'prm-alert-marker',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    @if (alerts().length > 0) {
      <a
        class="marker"
        [class.critical]="critical()"
        routerLink="/alerts"
        [attr.title]="title()"
        [attr.aria-label]="title()"
        [attr.data-testid]="testId()"
        (click)="$event.stopPropagation()"
        >⚠ {{ alerts().length }} alert{{ alerts().length === 1 ? '' : 's' }}</a
      >
    }
  `,
  styles: `
    .marker {
      display: inline-block;
      margin-left: 6px;
      padding: 0 6px;
      border-radius: 9px;
      font-size: 11px;
      line-height: 18px;
      background: #fff4e0;
      color: #7a4a00;
      border: 1px solid #e6b35c;
      text-decoration: none;
      white-space: nowrap;
    }
    .marker.critical {
      background: #fdecea;
      color: #8a1c14;
      border-color: #f3b8b4;
    }
  `,
})
export class AlertMarkerComponent {
  readonly alerts = input<readonly AlertView[]>([]);
  readonly testId = input<string | null>(null);
  protected readonly critical = computed(() => this.alerts().some((a) => a.severity === 'critical'));
  protected readonly title = computed(() =>
    this.alerts()
      .map((a) => `${a.severity}: ${a.summary}`)
      .join('\n'),
  );
}
