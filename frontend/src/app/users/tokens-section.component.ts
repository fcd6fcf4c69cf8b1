import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { type FormGroupDirective, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { filter, switchMap } from 'rxjs';

import type { ApiError } from '../core/api.client';
import { AuthService, ROLES, type Role, roleAtLeast } from '../core/auth.service';
import { ConfirmDialogComponent, type ConfirmDialogData } from '../shared/confirm-dialog.component';
import { TokenSecretDialogComponent, type TokenSecretDialogData } from './token-secret-dialog.component';
import { TOKEN_MAX_DAYS, TOKEN_NAME, type TokenView, UsersApi, tokenStatus } from './users.api';

/** Field errors of the gateway's 400, by field, as one line each. */
function detailsText(err: ApiError): string {
  const details = err.body.details.map((d) => (d.field ? `${d.field}: ${d.reason}` : d.reason));
  return details.length ? `${err.message} (${details.join('; ')})` : err.message;
}

/**
 * API tokens: the list (admins see every token with its creator, others their own), "create" (name, role up to the
 * creator's own, days until expiry) whose secret is shown once in {@link TokenSecretDialogComponent}, and "revoke".
 */
@Component({
  selector: 'prm-tokens-section',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule],
  template: `
    <section class="card" aria-labelledby="tokens-h">
      <h2 id="tokens-h">API tokens</h2>
      <p class="note">
        For scripts and integrations: send <code>Authorization: Bearer &lt;token&gt;</code>. A token acts with its own
        role, never more than its creator's, until it expires or is revoked.
        @if (isAdmin()) {
          As an admin you see and can revoke every user's tokens.
        }
      </p>
      @if (error(); as msg) {
        <div class="banner" role="alert" data-testid="tokens-error">{{ msg }}</div>
      }

      <form
        [formGroup]="form"
        #formDir="ngForm"
        (ngSubmit)="create(formDir)"
        class="create"
        novalidate
        aria-label="New API token"
      >
        <mat-form-field appearance="outline" subscriptSizing="dynamic" class="name">
          <mat-label>Token name</mat-label>
          <input matInput formControlName="name" maxlength="64" data-testid="token-name" />
          <mat-error>1-64 letters, digits, spaces, . _ : &#64; - (says where it is used, e.g. "ci deploy").</mat-error>
        </mat-form-field>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Role</mat-label>
          <select matNativeControl formControlName="role" data-testid="token-role">
            @for (r of roleOptions(); track r) {
              <option [value]="r">{{ r }}</option>
            }
          </select>
        </mat-form-field>
        <mat-form-field appearance="outline" subscriptSizing="dynamic" class="days">
          <mat-label>Expires in</mat-label>
          <input
            matInput
            type="number"
            min="1"
            [max]="maxDays"
            step="1"
            formControlName="expiresInDays"
            data-testid="token-expiry"
          />
          <span matTextSuffix>days</span>
          <mat-error>1 to {{ maxDays }} days.</mat-error>
        </mat-form-field>
        <button mat-flat-button type="submit" [disabled]="busy()" data-testid="create-token">Create token</button>
      </form>

      <table class="grid" data-testid="tokens-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Role</th>
            @if (isAdmin()) {
              <th scope="col">Created by</th>
            }
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">Status</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          @for (t of rows(); track t.token.id) {
            <tr [attr.data-testid]="'token-row-' + t.token.name" [attr.data-status]="t.status">
              <th scope="row">{{ t.token.name }}</th>
              <td class="mono">{{ t.token.prefix }}…</td>
              <td>{{ t.token.role }}</td>
              @if (isAdmin()) {
                <td>{{ t.token.createdBy }}</td>
              }
              <td class="mono">{{ t.token.createdAt | date: 'yyyy-MM-dd HH:mm' }}</td>
              <td class="mono">{{ t.token.expiresAt | date: 'yyyy-MM-dd' }}</td>
              <td class="mono">
                {{ t.token.lastUsedAt ? (t.token.lastUsedAt | date: 'yyyy-MM-dd HH:mm') : 'never' }}
              </td>
              <td>
                <span [class]="'status st-' + t.status">{{ t.status }}</span>
                @if (t.token.revokedAt) {
                  <span class="muted small"> {{ t.token.revokedAt | date: 'yyyy-MM-dd HH:mm' }}</span>
                }
              </td>
              <td class="actions">
                @if (t.status !== 'revoked') {
                  <button
                    mat-button
                    type="button"
                    class="danger"
                    (click)="revoke(t.token)"
                    [attr.aria-label]="'Revoke token ' + t.token.name"
                    [attr.data-testid]="'revoke-token-' + t.token.name"
                  >
                    Revoke
                  </button>
                }
              </td>
            </tr>
          } @empty {
            <tr>
              <td [attr.colspan]="isAdmin() ? 9 : 8" class="muted empty">
                {{ tokens() === null ? 'Loading…' : 'No API tokens yet.' }}
              </td>
            </tr>
          }
        </tbody>
      </table>
    </section>
  `,
  styleUrl: './users.scss',
})
export class TokensSectionComponent {
  private readonly api = inject(UsersApi);
  private readonly auth = inject(AuthService);
  private readonly dialog = inject(MatDialog);

  protected readonly maxDays = TOKEN_MAX_DAYS;
  protected readonly isAdmin = computed(() => this.auth.can('admin'));
  /** A token's role may not exceed its creator's (the gateway refuses it too). */
  protected readonly roleOptions = computed(() => {
    const own = this.auth.role();
    return own ? ROLES.filter((r) => roleAtLeast(own, r)) : [];
  });
  protected readonly tokens = signal<TokenView[] | null>(null);
  protected readonly rows = computed(() =>
    (this.tokens() ?? []).map((token) => ({ token, status: tokenStatus(token) })),
  );
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.pattern(TOKEN_NAME)]],
    role: ['viewer' as Role, Validators.required],
    expiresInDays: [90, [Validators.required, Validators.min(1), Validators.max(TOKEN_MAX_DAYS)]],
  });

  constructor() {
    this.load();
  }

  protected create(formDir: FormGroupDirective): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, role, expiresInDays } = this.form.getRawValue();
    this.busy.set(true);
    this.error.set(null);
    this.api.createToken({ name: name.trim(), role, expiresInDays: Number(expiresInDays) }).subscribe({
      next: (created) => {
        this.busy.set(false);
        formDir.resetForm({ name: '', role: 'viewer', expiresInDays: 90 });
        const data: TokenSecretDialogData = { name: created.name, secret: created.token, expiresAt: created.expiresAt };
        this.dialog.open(TokenSecretDialogComponent, { data, width: '560px', maxWidth: '96vw', disableClose: true });
        this.load();
      },
      error: (err: ApiError) => {
        this.busy.set(false);
        this.error.set(`Token not created: ${detailsText(err)}`);
      },
    });
  }

  protected revoke(token: TokenView): void {
    const data: ConfirmDialogData = {
      title: `Revoke token ${token.name}?`,
      message: `Requests with ${token.prefix}… are refused from now on. This cannot be undone; create a new token instead.`,
      confirm: 'Revoke',
    };
    this.error.set(null);
    this.dialog
      .open<ConfirmDialogComponent, ConfirmDialogData, boolean>(ConfirmDialogComponent, { data, width: '440px' })
      .afterClosed()
      .pipe(
        filter((ok) => ok === true),
        switchMap(() => this.api.revokeToken(token.id)),
      )
      .subscribe({
        next: () => this.load(),
        error: (err: ApiError) => this.error.set(`Could not revoke ${token.name}: ${err.message}`),
      });
  }

  private load(): void {
    this.api.listTokens().subscribe({
      next: (tokens) => this.tokens.set(tokens),
      error: (err: ApiError) => this.error.set(`Could not load the tokens: ${err.message}`),
    });
  }
}
