import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterOutlet } from '@angular/router';

import { AuthService } from './core/auth.service';
import { MainNavComponent } from './shell/main-nav.component';

/**
 * App shell: toolbar with the product name and, once someone is signed in, the navigation, the live-updates
 * indicator, the user with their role and "Sign out" ({@link MainNavComponent}).
 */
@Component({
  selector: 'prm-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatToolbarModule, RouterOutlet, MainNavComponent],
  template: `
    <mat-toolbar class="bar">
      <span class="brand" title="PostgreSQL Replication Manager">prm</span>
      @if (user()) {
        <prm-main-nav />
      }
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
    main {
      flex: 1;
      padding: 12px 16px;
    }
  `,
})
export class AppComponent {
  /** The signed-in user; null on the login page. */
  protected readonly user = inject(AuthService).user;
}
