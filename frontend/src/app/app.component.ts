import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { AlertsStore } from './alerts/alerts.store';
import { LiveIndicatorComponent } from './shared/live-indicator.component';

/** App shell: toolbar with the product name, navigation and the live-updates indicator. */
@Component({
  selector: 'prm-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatToolbarModule, MatButtonModule, RouterLink, RouterLinkActive, RouterOutlet, LiveIndicatorComponent],
  template: `
    <mat-toolbar class="bar">
      <span class="brand" title="PostgreSQL Replication Manager">prm</span>
      <nav aria-label="Main">
        <a
          mat-button
          routerLink="/"
          routerLinkActive="active"
          [routerLinkActiveOptions]="{ exact: true }"
          ariaCurrentWhenActive="page"
          data-testid="nav-topology"
          >Topology</a
        >
        <a
          mat-button
          routerLink="/streams"
          routerLinkActive="active"
          ariaCurrentWhenActive="page"
          data-testid="nav-streams"
          >Streams</a
        >
        <a
          mat-button
          routerLink="/endpoints"
          routerLinkActive="active"
          ariaCurrentWhenActive="page"
          data-testid="nav-endpoints"
          >Endpoints</a
        >
        <a
          mat-button
          routerLink="/alerts"
          routerLinkActive="active"
          ariaCurrentWhenActive="page"
          data-testid="nav-alerts"
          [attr.aria-label]="'Alerts, ' + alertCount() + ' firing'"
          >Alerts
          @if (alertCount() > 0) {
            <span class="badge" data-testid="alerts-badge">{{ alertCount() }}</span>
          }
        </a>
        <a
          mat-button
          routerLink="/migrations"
          routerLinkActive="active"
          ariaCurrentWhenActive="page"
          data-testid="nav-migrations"
          >Migrations</a
        >
        <a
          mat-button
          routerLink="/settings"
          routerLinkActive="active"
          ariaCurrentWhenActive="page"
          data-testid="nav-settings"
          >Settings</a
        >
      </nav>
      <span class="spacer"></span>
      <prm-live-indicator />
    </mat-toolbar>
    <main>
      <router-outlet />
    </main>
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      min-height: 100vh;
    }
    .bar {
      height: 48px;
      gap: 16px;
      background: #1f3a5f;
      color: #fff;
      --mat-button-text-label-text-color: #dce6f2;
    }
    .brand {
      font-weight: 600;
      letter-spacing: 0.5px;
      font-family: var(--prm-mono);
      font-size: 18px;
    }
    nav a.active {
      --mat-button-text-label-text-color: #fff;
      background: rgb(255 255 255 / 14%);
    }
    .badge {
      display: inline-block;
      min-width: 18px;
      margin-left: 4px;
      padding: 0 5px;
      border-radius: 9px;
      background: #d93025;
      color: #fff;
      font-size: 12px;
      line-height: 18px;
      text-align: center;
    }
    .spacer {
      flex: 1;
    }
    main {
      flex: 1;
      padding: 12px 16px;
    }
  `,
})
export class AppComponent {
  /** Firing alerts not acknowledged nor silenced (the nav badge). */
  protected readonly alertCount = inject(AlertsStore).actionableCount;
}
