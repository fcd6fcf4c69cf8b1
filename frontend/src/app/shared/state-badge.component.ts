import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

import { ICON_PATHS, type StateView } from './state-presentation';

/** Inline state label for tables: icon + text, coloured by tone; the host's `data-state` carries the raw state. */
@Component({
  selector: 'prm-state-badge',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[attr.data-state]': 'state()' },
  template: `
    <span [class]="'badge tone-' + view().tone" [title]="view().description">
      <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true"><path [attr.d]="iconPath()" /></svg>
      {{ view().label }}
    </span>
  `,
  styles: `
    .badge {
      display: inline-flex;
      align-items: center;
      gap: 4px;
      white-space: nowrap;
      font-weight: 500;
    }
    svg {
      fill: currentColor;
      flex: none;
    }
    .tone-ok {
      color: var(--prm-ok);
    }
    .tone-warn {
      color: var(--prm-warn);
    }
    .tone-bad {
      color: var(--prm-bad);
    }
    .tone-muted {
      color: var(--prm-muted);
    }
  `,
})
export class StateBadgeComponent {
  /** The presentation to show. */
  readonly view = input.required<StateView>();
  /** The raw state value (`unreachable`, `streaming`, ...), rendered into `data-state`. */
  readonly state = input.required<string>();
  protected readonly iconPath = computed(() => ICON_PATHS[this.view().icon]);
}
