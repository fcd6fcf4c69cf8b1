import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar, MatSnackBarModule } from '@angular/material/snack-bar';
import { type Observable, filter, switchMap } from 'rxjs';

import type { ApiError } from '../core/api.client';
import { AuthService, ROLES, type Role } from '../core/auth.service';
import { ConfirmDialogComponent, type ConfirmDialogData } from '../shared/confirm-dialog.component';
import { TokensSectionComponent } from './tokens-section.component';
import { type UserFormDialogData, UserFormDialogComponent } from './user-form-dialog.component';
import { UsersApi, type UserView } from './users.api';

/**
 * `/users` (admin): builtin accounts (add, change role, set password, disable / enable, delete) and every API token.
 * A change to an account ends its sessions; a change to one's own account therefore leads back to the login page.
 * The gateway refuses (409) whatever would leave no enabled admin, and deleting oneself.
 */
@Component({
  selector: 'prm-users-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, MatButtonModule, MatSnackBarModule, TokensSectionComponent],
  template: `
    <header class="head">
      <h1>Users &amp; API tokens</h1>
      <span class="spacer"></span>
      <button mat-flat-button type="button" (click)="openAddDialog()" data-testid="add-user">Add user</button>
    </header>
    @if (error(); as msg) {
      <div class="banner" role="alert" data-testid="users-error">{{ msg }}</div>
    }
    <section class="card" aria-labelledby="users-h">
      <h2 id="users-h">Users</h2>
      <p class="note">
        Accounts that sign in with a password (builtin mode). With OIDC or behind the ALB, people sign in with the
        identity provider and their groups give the role; they are not listed here.
      </p>
      <table class="grid" data-testid="users-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Last sign-in</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          @for (u of users() ?? []; track u.name) {
            <tr [attr.data-testid]="'user-row-' + u.name" [attr.data-role]="u.role" [attr.data-disabled]="u.disabled">
              <th scope="row">
                {{ u.name }}
                @if (u.name === me()?.name) {
                  <span class="you">(you)</span>
                }
              </th>
              <td>
                <select
                  class="role"
                  [value]="u.role"
                  (change)="changeRole(u, $any($event.target))"
                  [attr.aria-label]="'Role of ' + u.name"
                  [attr.data-testid]="'user-role-' + u.name"
                >
                  @for (r of roles; track r) {
                    <option [value]="r" [selected]="r === u.role">{{ r }}</option>
                  }
                </select>
              </td>
              <td>
                <span [class]="'status ' + (u.disabled ? 'st-disabled' : 'st-enabled')">{{
                  u.disabled ? 'disabled' : 'enabled'
                }}</span>
              </td>
              <td class="mono">{{ u.createdAt | date: 'yyyy-MM-dd HH:mm' }}</td>
              <td class="mono">{{ u.lastLoginAt ? (u.lastLoginAt | date: 'yyyy-MM-dd HH:mm') : 'never' }}</td>
              <td class="actions">
                <button
                  mat-button
                  type="button"
                  (click)="openPasswordDialog(u)"
                  [attr.aria-label]="'Set the password of ' + u.name"
                  [attr.data-testid]="'password-user-' + u.name"
                >
                  Set password
                </button>
                <button
                  mat-button
                  type="button"
                  (click)="toggleDisabled(u)"
                  [attr.aria-label]="(u.disabled ? 'Enable ' : 'Disable ') + u.name"
                  [attr.data-testid]="'toggle-user-' + u.name"
                >
                  {{ u.disabled ? 'Enable' : 'Disable' }}
                </button>
                @if (u.name !== me()?.name) {
                  <button
                    mat-button
                    type="button"
                    class="danger"
                    (click)="confirmDelete(u)"
                    [attr.aria-label]="'Delete ' + u.name"
                    [attr.data-testid]="'delete-user-' + u.name"
                  >
                    Delete
                  </button>
                }
              </td>
            </tr>
          } @empty {
            <tr>
              <td colspan="6" class="muted empty">{{ users() === null ? 'Loading…' : 'No builtin accounts.' }}</td>
            </tr>
          }
        </tbody>
      </table>
    </section>
    <prm-tokens-section />
  `,
  styleUrl: './users.scss',
})
export class UsersPageComponent {
  private readonly api = inject(UsersApi);
  private readonly auth = inject(AuthService);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly roles = ROLES;
  protected readonly me = this.auth.user;
  protected readonly users = signal<UserView[] | null>(null);
  protected readonly error = signal<string | null>(null);

  constructor() {
    this.load();
  }

  protected openAddDialog(): void {
    this.openForm({}, (u) => `Added ${u.name} (${u.role})`);
  }

  protected openPasswordDialog(user: UserView): void {
    this.openForm({ user }, (u) => `Password of ${u.name} set; their sessions ended`);
  }

  protected changeRole(user: UserView, select: HTMLSelectElement): void {
    const role = select.value as Role;
    if (role === user.role) {
      return;
    }
    const data: ConfirmDialogData = {
      title: `Make ${user.name} ${role === 'admin' ? 'an' : 'a'} ${role}?`,
      message:
        `${user.name} is signed out everywhere and signs in again as ${role}.` +
        (user.name === this.me()?.name ? ' That includes you: you will see the login page.' : ''),
      confirm: `Make ${role}`,
    };
    this.confirmThen(
      data,
      () => this.api.updateUser(user.name, { role }),
      `${user.name} is now ${role}`,
      user.name,
      () => {
        select.value = user.role;
      },
    );
  }

  protected toggleDisabled(user: UserView): void {
    const disabled = !user.disabled;
    const data: ConfirmDialogData = disabled
      ? {
          title: `Disable ${user.name}?`,
          message: `${user.name} is signed out everywhere and cannot sign in until enabled again. Their API tokens stop working too.`,
          confirm: 'Disable',
        }
      : { title: `Enable ${user.name}?`, message: `${user.name} can sign in again.`, confirm: 'Enable' };
    const done = `${user.name} ${disabled ? 'disabled' : 'enabled'}`;
    this.confirmThen(data, () => this.api.updateUser(user.name, { disabled }), done, user.name);
  }

  protected confirmDelete(user: UserView): void {
    const data: ConfirmDialogData = {
      title: `Delete ${user.name}?`,
      message: `The account is removed and its sessions end. The audit log keeps what ${user.name} did.`,
      confirm: 'Delete',
    };
    this.confirmThen(data, () => this.api.deleteUser(user.name), `Deleted ${user.name}`, user.name);
  }

  /**
   * Asks, then runs `action` on the account `name`; a failure (e.g. 409 last enabled admin) is shown above the table.
   * `cancelled` runs when the user says no.
   */
  private confirmThen(
    data: ConfirmDialogData,
    action: () => Observable<unknown>,
    done: string,
    name: string,
    cancelled: () => void = () => undefined,
  ): void {
    this.error.set(null);
    this.dialog
      .open<ConfirmDialogComponent, ConfirmDialogData, boolean>(ConfirmDialogComponent, { data, width: '440px' })
      .afterClosed()
      .pipe(
        filter((ok) => {
          if (ok !== true) {
            cancelled();
          }
          return ok === true;
        }),
        switchMap(action),
      )
      .subscribe({
        next: () => this.changed(name, done),
        error: (err: ApiError) => {
          this.error.set(err.message);
          cancelled();
          this.load();
        },
      });
  }

  private openForm(data: UserFormDialogData, done: (u: UserView) => string): void {
    this.error.set(null);
    this.dialog
      .open<UserFormDialogComponent, UserFormDialogData, UserView>(UserFormDialogComponent, {
        data,
        width: '460px',
        maxWidth: '96vw',
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .pipe(filter((saved): saved is UserView => !!saved))
      .subscribe((saved) => this.changed(saved.name, done(saved)));
  }

  /** After a change: a change to one's own account ended this session (sign in again); else refetch. */
  private changed(name: string, message: string): void {
    if (name === this.me()?.name) {
      this.auth.sessionEnded('/users');
      return;
    }
    this.snackBar.open(message, undefined, { duration: 3000 });
    this.load();
  }

  private load(): void {
    this.api.listUsers().subscribe({
      next: (users) => this.users.set(users),
      error: (err: ApiError) => this.error.set(`Could not load the users: ${err.message}`),
    });
  }
}
