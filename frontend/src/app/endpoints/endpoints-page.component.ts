import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar, MatSnackBarModule } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import { filter, switchMap } from 'rxjs';

import { ApiClient, ApiError } from '../core/api.client';
import { AuthService } from '../core/auth.service';
import type { CredentialRef, EndpointView, Reachability } from '../core/contracts';
import { TopologyStore } from '../core/topology.store';
import { ConfirmDialogComponent, type ConfirmDialogData } from '../shared/confirm-dialog.component';
import { StateBadgeComponent } from '../shared/state-badge.component';
import { nodeStateView } from '../shared/state-presentation';
import { type EndpointFormDialogData, EndpointFormDialogComponent } from './endpoint-form-dialog.component';
import { EndpointsStore } from './endpoints.store';

/** Where the credential comes from, without any secret (ARN, IAM user or variable name only). */
export function describeCredential(c: CredentialRef): string {
  switch (c.kind) {
    case 'aws-secret':
      return `aws-secret · ${c.secretArn.split(':').slice(-1)[0] ?? ''}`;
    case 'rds-iam':
      return `rds-iam · ${c.user} @ ${c.region}`;
    case 'env':
      return `env · ${c.user} / $${c.passwordEnv}`;
  }
}

/** Endpoints: the registered databases, with add / edit / delete for admins (other roles read only). */
@Component({
  selector: 'prm-endpoints-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatTableModule, MatButtonModule, MatSnackBarModule, StateBadgeComponent],
  templateUrl: './endpoints-page.component.html',
  styleUrl: './endpoints-page.component.scss',
})
export class EndpointsPageComponent {
  private readonly store = inject(EndpointsStore);
  private readonly topology = inject(TopologyStore);
  private readonly api = inject(ApiClient);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly auth = inject(AuthService);

  /** Endpoints and credential references are admin business (the gateway answers 403 to other roles). */
  protected readonly canEdit = computed(() => this.auth.can('admin'));
  protected readonly columns = computed(() => [
    'name',
    'address',
    'role',
    'location',
    'credential',
    'status',
    ...(this.canEdit() ? ['actions'] : []),
  ]);
  protected readonly endpoints = this.store.endpoints;
  protected readonly error = this.store.error;
  protected readonly deleteError = signal<string | null>(null);
  protected readonly describeCredential = describeCredential;
  protected readonly rows = computed(() => {
    const nodes = this.topology.nodesById();
    return (this.endpoints() ?? []).map((e) => {
      const reachability: Reachability = nodes.get(e.id)?.reachability ?? 'unknown';
      return { endpoint: e, reachability, state: nodeStateView(reachability) };
    });
  });

  constructor() {
    this.store.refresh();
    this.topology.refresh();
  }

  protected openAddDialog(): void {
    this.openForm({});
  }

  protected openEditDialog(endpoint: EndpointView): void {
    this.openForm({ endpoint });
  }

  protected confirmDelete(endpoint: EndpointView): void {
    const data: ConfirmDialogData = {
      title: `Delete endpoint ${endpoint.name}?`,
      message:
        `prm stops monitoring ${endpoint.host}:${endpoint.port}/${endpoint.dbname}. ` +
        'Nothing on the database itself is changed (publications, subscriptions and slots stay).',
      confirm: 'Delete',
    };
    this.deleteError.set(null);
    this.dialog
      .open<ConfirmDialogComponent, ConfirmDialogData, boolean>(ConfirmDialogComponent, { data, width: '440px' })
      .afterClosed()
      .pipe(
        filter((ok) => ok === true),
        switchMap(() => this.api.deleteEndpoint(endpoint.id)),
      )
      .subscribe({
        next: () => {
          this.snackBar.open(`Deleted ${endpoint.name}`, undefined, { duration: 3000 });
          this.refreshAll();
        },
        error: (err: ApiError) => this.deleteError.set(`Could not delete ${endpoint.name}: ${err.message}`),
      });
  }

  private openForm(data: EndpointFormDialogData): void {
    this.dialog
      .open<EndpointFormDialogComponent, EndpointFormDialogData, EndpointView>(EndpointFormDialogComponent, {
        data,
        width: '760px',
        maxWidth: '96vw',
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .pipe(filter((saved): saved is EndpointView => !!saved))
      .subscribe((saved) => {
        this.snackBar.open(`Saved ${saved.name}`, undefined, { duration: 3000 });
        this.refreshAll();
      });
  }

  private refreshAll(): void {
    this.store.refresh();
    this.topology.refresh();
  }
}
