import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router } from '@angular/router';

import type { ApiError } from '../core/api.client';
import { AuthService, safeReturnUrl } from '../core/auth.service';

/** What the console says for a failed `POST /api/auth/login` (the gateway's own message for anything unexpected). */
export function loginErrorText(err: ApiError): string {
  switch (err.status) {
    case 401:
      return 'Wrong username or password.';
    case 429:
      return 'Too many attempts: wait a minute, then try again.';
    case 0:
      return 'prm is unreachable (network error or gateway down); try again in a moment.';
    default:
      return err.message;
  }
}

/**
 * `/login`. Builtin mode: username and password (`POST /api/auth/login`) with the reason of a failure.
 * OIDC: a link to the identity provider (`loginUrl` of `GET /api/auth/config`). ALB: the load balancer signs people
 * in before any request reaches prm, so the page only offers to reload. Someone already signed in goes straight to
 * `returnUrl`.
 */
@Component({
  selector: 'prm-login-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, MatButtonModule],
  template: `
    <section class="card" aria-labelledby="login-h">
      <h1 id="login-h">Sign in to prm</h1>
      <p class="sub">PostgreSQL Replication Manager</p>

      @if (callbackError(); as msg) {
        <div class="banner" role="alert" data-testid="login-callback-error">{{ msg }}</div>
      }
      @if (meError(); as err) {
        <div class="banner" role="alert" data-testid="login-me-error">{{ err.message }}</div>
      }
      @if (configError(); as msg) {
        <div class="banner" role="alert" data-testid="login-config-error">
          Could not reach prm: {{ msg }}
          <button mat-button type="button" (click)="retry()">Retry</button>
        </div>
      }

      @switch (config()?.mode) {
        @case ('builtin') {
          <form [formGroup]="form" (ngSubmit)="submit()" novalidate data-testid="login-form">
            <mat-form-field appearance="outline">
              <mat-label>Username</mat-label>
              <input
                matInput
                formControlName="username"
                autocomplete="username"
                autocapitalize="none"
                spellcheck="false"
                required
                data-testid="login-username"
              />
              <mat-error>Enter your username.</mat-error>
            </mat-form-field>
            <mat-form-field appearance="outline">
              <mat-label>Password</mat-label>
              <input
                matInput
                type="password"
                formControlName="password"
                autocomplete="current-password"
                required
                data-testid="login-password"
              />
              <mat-error>Enter your password.</mat-error>
            </mat-form-field>
            @if (error(); as msg) {
              <p class="error" role="alert" data-testid="login-error">{{ msg }}</p>
            }
            <button mat-flat-button type="submit" [disabled]="busy()" data-testid="login-submit">
              {{ busy() ? 'Signing in…' : 'Sign in' }}
            </button>
          </form>
        }
        @case ('oidc') {
          <p>prm uses your organisation's sign-in.</p>
          <a mat-flat-button [href]="config()?.loginUrl ?? '/api/auth/oidc/login'" data-testid="login-sso"
            >Sign in with your identity provider</a
          >
        }
        @case ('alb') {
          <p>
            prm sits behind a load balancer that signs you in with your identity provider before any page loads. If you
            see this page, the sign-in did not reach prm or your session ended.
          </p>
          <button mat-flat-button type="button" (click)="reloadThroughAlb()" data-testid="login-sso">
            Sign in with your identity provider
          </button>
        }
        @default {
          @if (!configError()) {
            <p class="muted">Loading…</p>
          }
        }
      }
    </section>
  `,
  styles: `
    :host {
      display: flex;
      justify-content: center;
      padding-top: 8vh;
    }
    .card {
      width: 360px;
      max-width: 94vw;
      border: 1px solid #e3e6ea;
      border-radius: 8px;
      padding: 20px 24px 24px;
    }
    h1 {
      font-size: 20px;
      font-weight: 500;
      margin: 0;
    }
    .sub {
      color: var(--prm-muted);
      margin: 2px 0 16px;
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .error {
      color: var(--prm-bad);
      margin: 0 0 8px;
    }
    .banner {
      background: #fdecea;
      border: 1px solid #f3b8b4;
      color: #8a1c14;
      border-radius: 6px;
      padding: 8px 12px;
      margin-bottom: 12px;
    }
    .muted {
      color: var(--prm-muted);
    }
  `,
})
export class LoginPageComponent {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);

  /** Page to open after signing in (query parameter, bound by the router); sanitised by {@link safeReturnUrl}. */
  readonly returnUrl = input<string | undefined>();
  /** Reason the OIDC callback failed (query parameter `error`). */
  readonly callbackReason = input<string | undefined>(undefined, { alias: 'error' });

  protected readonly config = this.auth.config;
  protected readonly meError = this.auth.meError;
  protected readonly configError = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly callbackError = computed(() => {
    const reason = this.callbackReason();
    return reason ? `Sign-in with your identity provider failed: ${reason}` : null;
  });
  protected readonly form = inject(NonNullableFormBuilder).group({
    username: ['', Validators.required],
    password: ['', Validators.required],
  });

  constructor() {
    void this.start();
  }

  protected retry(): void {
    void this.start();
  }

  protected submit(): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { username, password } = this.form.getRawValue();
    this.busy.set(true);
    this.error.set(null);
    this.auth.login(username.trim(), password).subscribe({
      next: () => {
        this.busy.set(false);
        this.goBack();
      },
      error: (err: ApiError) => {
        this.busy.set(false);
        this.form.controls.password.reset('');
        this.error.set(loginErrorText(err));
      },
    });
  }

  /** ALB mode: a full load of the page to return to makes the load balancer run its sign-in again. */
  protected reloadThroughAlb(): void {
    location.assign(safeReturnUrl(this.returnUrl()));
  }

  private async start(): Promise<void> {
    this.configError.set(null);
    try {
      await this.auth.loadConfig();
    } catch (err) {
      this.configError.set((err as ApiError).message);
      return;
    }
    if (await this.auth.ensureSignedIn()) {
      this.goBack();
    }
  }

  private goBack(): void {
    const url = safeReturnUrl(this.returnUrl());
    // pages the server renders (the API docs, Bull Board) are not console routes: load them
    if (url.startsWith('/api/') || url.startsWith('/admin/')) {
      location.replace(url);
      return;
    }
    void this.router.navigateByUrl(url, { replaceUrl: true });
  }
}
