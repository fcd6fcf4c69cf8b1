import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';

import type { ApiError } from '../core/api.client';
import { AuthService } from '../core/auth.service';
import { TokensSectionComponent } from './tokens-section.component';
import { MIN_PASSWORD_LENGTH } from './user-form-dialog.component';
import { UsersApi } from './users.api';

/** Labels of the fields of `PUT /api/auth/password` in the gateway's 400 details. */
const PASSWORD_FIELDS: Readonly<Record<string, string>> = {
  currentPassword: 'Current password',
  newPassword: 'New password',
};

/** One line for a refused password change: each field's reason ("Current password: wrong password"), else the message. */
export function passwordErrorText(err: ApiError): string {
  const lines = err.body.details.map((d) =>
    d.field ? `${PASSWORD_FIELDS[d.field] ?? d.field}: ${d.reason}` : d.reason,
  );
  return lines.length ? lines.join('; ') : err.message;
}

/**
 * `/tokens` (everyone signed in): one's API tokens and, for builtin accounts signed in with a password, changing
 * one's own password (`PUT /api/auth/password`; every session of the account ends, so the console returns to the
 * login page).
 */
@Component({
  selector: 'prm-tokens-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, TokensSectionComponent],
  template: `
    <header class="head">
      <h1>API tokens</h1>
    </header>
    <prm-tokens-section />
    @if (auth.user()?.source === 'password') {
      <section class="card" aria-labelledby="pw-h">
        <h2 id="pw-h">Your password</h2>
        <form
          [formGroup]="form"
          (ngSubmit)="changePassword()"
          class="create"
          novalidate
          data-testid="password-form"
          aria-label="Change your password"
        >
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>Current password</mat-label>
            <input
              matInput
              type="password"
              formControlName="currentPassword"
              autocomplete="current-password"
              data-testid="current-password"
            />
          </mat-form-field>
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>New password</mat-label>
            <input
              matInput
              type="password"
              formControlName="newPassword"
              autocomplete="new-password"
              data-testid="new-password"
            />
            <mat-error>At least {{ minLength }} characters.</mat-error>
          </mat-form-field>
          <button mat-stroked-button type="submit" [disabled]="busy()" data-testid="change-password">
            Change password
          </button>
        </form>
        @if (error(); as msg) {
          <p class="banner" role="alert" data-testid="password-error">{{ msg }}</p>
        }
        <p class="note small">Changing it signs you out everywhere; sign in again with the new password.</p>
      </section>
    }
  `,
  styleUrl: './users.scss',
})
export class TokensPageComponent {
  protected readonly auth = inject(AuthService);
  private readonly api = inject(UsersApi);

  protected readonly minLength = MIN_PASSWORD_LENGTH;
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    currentPassword: ['', Validators.required],
    newPassword: ['', [Validators.required, Validators.minLength(MIN_PASSWORD_LENGTH)]],
  });

  protected changePassword(): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { currentPassword, newPassword } = this.form.getRawValue();
    this.busy.set(true);
    this.error.set(null);
    this.api.changeOwnPassword(currentPassword, newPassword).subscribe({
      next: () => this.auth.sessionEnded('/tokens'),
      error: (err: ApiError) => {
        this.busy.set(false);
        this.error.set(passwordErrorText(err));
      },
    });
  }
}
