import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';

import { LiveUpdatesService } from '../core/live-updates.service';

/** Toolbar badge: "live" while the WebSocket is open, "reconnecting" / "connecting" otherwise (text + dot). */
@Component({
  selector: 'prm-live-indicator',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span
      [class]="'badge ' + state()"
      role="status"
      aria-live="polite"
      data-testid="live-indicator"
      [attr.data-state]="state()"
      [title]="title()"
    >
      <span class="dot" aria-hidden="true"></span>{{ label() }}
    </span>
  `,
  styles: `
    .badge {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      font-size: 12px;
      padding: 2px 10px;
      border-radius: 12px;
      border: 1px solid rgb(255 255 255 / 40%);
    }
    .dot {
      width: 8px;
      height: 8px;
      border-radius: 50%;
      background: #9aa0a6;
    }
    .badge.live .dot {
      background: #5bd67c;
    }
    .badge.reconnecting .dot {
      background: #ffb74d;
      animation: blink 1s steps(2) infinite;
    }
    @keyframes blink {
      50% {
        opacity: 0.2;
      }
    }
  `,
})
export class LiveIndicatorComponent {
  private readonly live = inject(LiveUpdatesService);
  protected readonly state = this.live.state;
  protected readonly label = computed(() => this.state());
  protected readonly title = computed(() =>
    this.state() === 'live'
      ? 'Live updates: connected to /ws'
      : 'Live updates: connection lost, retrying (pages refetch on reconnect)',
  );
}
