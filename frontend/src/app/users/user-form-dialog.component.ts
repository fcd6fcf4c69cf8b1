import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { Observable } from 'rxjs';

import type { ApiError } from '../core/api.client';
import { ROLES, type Role } from '../core/auth.service';
import { UsersApi, type UserView } from './users.api';

/** A builtin account's name, as the gateway checks it (services/gateway/src/auth/auth.dto.ts). */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Shortest password the console accepts (the gateway applies its own rule too and says so in a 400). */
export const MIN_PASSWORD_LENGTH = 12;

/** No `user`: create an account (name, role, password). With `user`: set that account's password. */
export interface UserFormDialogData {
  user?: UserView;
}

/**
 * Creates a builtin account (`POST /api/users`) or sets an account's password (`PATCH /api/users/:name`). The
 * gateway's field errors (400) and conflicts (409 name taken) are shown at their field or above the buttons. Closes
 * with the saved user.
 */
@Component({
  selector: 'prm-user-form-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatDialogModule, MatButtonModule, MatFormFieldModule, MatInputModule],
  template: `
    <h2 mat-dialog-title>{{ data.user ? 'Set the password of ' + data.user.name : 'Add user' }}</h2>
    <form [formGroup]="form" (ngSubmit)="save()" novalidate data-testid="user-form">
      <mat-dialog-content>
        @if (!data.user) {
          <mat-form-field appearance="outline">
            <mat-label>Username</mat-label>
            <input
              matInput
              formControlName="name"
              autocomplete="off"
              autocapitalize="none"
              spellcheck="false"
              maxlength="64"
              data-testid="user-name"
            />
            <mat-hint>1-64 letters, digits, <code>. _ - &#64;</code>, starting with a letter or digit</mat-hint>
            <mat-error>{{ fieldError('name') }}</mat-error>
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Role</mat-label>
            <select matNativeControl formControlName="role" data-testid="user-role">
              @for (r of roles; track r) {
                <option [value]="r">{{ r }}</option>
              }
            </select>
            <mat-hint>viewer reads; operator runs streams and alerts; admin changes configuration</mat-hint>
          </mat-form-field>
        }
        <mat-form-field appearance="outline">
          <mat-label>{{ data.user ? 'New password' : 'Password' }}</mat-label>
          <input
            matInput
            type="password"
            formControlName="password"
            autocomplete="new-password"
            data-testid="user-password"
          />
          <mat-hint>{{ minLength }} characters to 72 bytes; tell it to the user over a private channel.</mat-hint>
          <mat-error>{{ fieldError('password') }}</mat-error>
        </mat-form-field>
        @if (error(); as msg) {
          <p class="error" role="alert" data-testid="user-form-error">{{ msg }}</p>
        }
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close data-testid="user-cancel">Cancel</button>
        <button mat-flat-button type="submit" [disabled]="busy()" data-testid="user-save">
          {{ data.user ? 'Set password' : 'Add user' }}
        </button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    mat-form-field {
      display: block;
      width: 380px;
      max-width: 100%;
      margin-bottom: 8px;
    }
    .error {
      color: var(--prm-bad);
    }
  `,
})
export class UserFormDialogComponent {
  protected readonly data = inject<UserFormDialogData>(MAT_DIALOG_DATA);
  private readonly ref = inject<MatDialogRef<UserFormDialogComponent, UserView>>(MatDialogRef);
  private readonly api = inject(UsersApi);

  protected readonly roles = ROLES;
  protected readonly minLength = MIN_PASSWORD_LENGTH;
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', this.data.user ? [] : [Validators.required, Validators.pattern(USER_NAME)]],
    role: ['viewer' as Role],
    password: ['', [Validators.required, Validators.minLength(MIN_PASSWORD_LENGTH)]],
  });

  protected fieldError(field: 'name' | 'password'): string {
    const errors = this.form.controls[field].errors ?? {};
    if (typeof errors['server'] === 'string') {
      return errors['server'];
    }
    if (errors['required']) {
      return field === 'name' ? 'Enter a username.' : 'Enter a password.';
    }
    if (errors['minlength']) {
      return `At least ${MIN_PASSWORD_LENGTH} characters.`;
    }
    if (errors['pattern']) {
      return '1-64 letters, digits, . _ - @, starting with a letter or digit.';
    }
    return '';
  }

  protected save(): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, role, password } = this.form.getRawValue();
    const request: Observable<UserView> = this.data.user
      ? this.api.updateUser(this.data.user.name, { password })
      : this.api.createUser({ name: name.trim(), role, password });
    this.busy.set(true);
    this.error.set(null);
    request.subscribe({
      next: (user) => this.ref.close(user),
      error: (err: ApiError) => {
        this.busy.set(false);
        this.showError(err);
      },
    });
  }

  private showError(err: ApiError): void {
    const unplaced: string[] = [];
    for (const d of err.body.details) {
      const field = d.field === 'name' || d.field === 'password' ? d.field : null;
      if (field && (field !== 'name' || !this.data.user)) {
        this.form.controls[field].setErrors({ server: d.reason });
        this.form.controls[field].markAsTouched();
      } else {
        unplaced.push(d.field ? `${d.field}: ${d.reason}` : d.reason);
      }
    }
    this.error.set([err.message, ...unplaced].join(' · '));
  }
}
