import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink, RouterLinkActive } from '@angular/router';

import { AlertsStore } from '../alerts/alerts.store';
import { AuthService } from '../core/auth.service';
import { LiveIndicatorComponent } from '../shared/live-indicator.component';

/**
 * The signed-in part of the toolbar: navigation (entries a role cannot use are not shown), the live-updates
 * indicator, who is signed in with which role, and "Sign out". Rendered only once someone is signed in, so the alerts
 * store and the WebSocket start after sign-in, never on the login page.
 */
@Component({
  selector: 'prm-main-nav',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, RouterLink, RouterLinkActive, LiveIndicatorComponent],
  template: `
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
      @if (auth.can('admin')) {
        <a mat-button routerLink="/users" routerLinkActive="active" ariaCurrentWhenActive="page" data-testid="nav-users"
          >Users</a
        >
        <a mat-button routerLink="/audit" routerLinkActive="active" ariaCurrentWhenActive="page" data-testid="nav-audit"
          >Audit</a
        >
      } @else {
        <a
          mat-button
          routerLink="/tokens"
          routerLinkActive="active"
          ariaCurrentWhenActive="page"
          data-testid="nav-tokens"
          >API tokens</a
        >
      }
    </nav>
    <span class="spacer"></span>
    <prm-live-indicator />
    @if (auth.user(); as u) {
      <a
        class="who"
        routerLink="/tokens"
        routerLinkActive="active"
        [title]="'Signed in via ' + u.source + ': your API tokens and password'"
        data-testid="account-link"
      >
        <span class="name" data-testid="current-user">{{ u.name }}</span>
        <span [class]="'role role-' + u.role" data-testid="current-role">{{ u.role }}</span>
      </a>
    }
    <button mat-button type="button" (click)="signOut()" data-testid="logout">Sign out</button>
  `,
  styles: `
    /* Toolbar buttons take their label colour from this token (light on the dark bar; white when active). */
    :host {
      --mat-toolbar-container-text-color: #dce6f2;
      display: flex;
      align-items: center;
      gap: 12px;
      flex: 1;
      min-width: 0;
    }
    nav {
      display: flex;
      min-width: 0;
      overflow-x: auto;
    }
    nav a.active {
      --mat-toolbar-container-text-color: #fff;
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
    .who {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      font-size: 13px;
      color: inherit;
      text-decoration: none;
      padding: 4px 6px;
      border-radius: 4px;
    }
    .who:hover,
    .who.active {
      background: rgba(255, 255, 255, 0.12);
    }
    .role {
      padding: 1px 8px;
      border-radius: 10px;
      border: 1px solid rgb(255 255 255 / 45%);
      font-size: 12px;
      line-height: 18px;
    }
    .role-admin {
      background: rgb(255 255 255 / 22%);
      font-weight: 600;
    }
  `,
})
export class MainNavComponent {
  protected readonly auth = inject(AuthService);
  /** Firing alerts not acknowledged nor silenced (the nav badge). */
  protected readonly alertCount = inject(AlertsStore).actionableCount;

  protected signOut(): void {
    void this.auth.logout();
  }
}
