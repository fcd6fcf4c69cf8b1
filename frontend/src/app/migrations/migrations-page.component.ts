import { CdkDrag, CdkDragHandle, type CdkDragDrop, CdkDropList, moveItemInArray } from '@angular/cdk/drag-drop';
import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { type Observable, filter } from 'rxjs';

import type { MigrationPreview, MigrationRunSummary, MigrationRunView } from '@prm/contracts/migration.js';
import { ApiClient, ApiError } from '../core/api.client';
import { AuthService } from '../core/auth.service';
import type { EndpointView } from '../core/contracts';
import { LiveUpdatesService } from '../core/live-updates.service';
import { type MigrationInput, MigrationsApi, decodeUtf8 } from './migrations.api';
import { SqlEditorComponent } from './sql-editor.component';

/** One row of the target list: an endpoint, whether it is selected, in run order. */
interface TargetRow {
  endpoint: EndpointView;
  selected: boolean;
}

/** Largest script the API accepts, bytes. */
const MAX_SQL_BYTES = 1_048_576;

/**
 * Migrations: paste or upload a script, choose and order targets (drag-and-drop or up/down), preview the statements
 * with their replication class and the order warnings, dry run or run, follow progress per endpoint live, read and
 * download the report, and browse the history.
 */
@Component({
  selector: 'prm-migrations-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    FormsModule,
    DatePipe,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    CdkDropList,
    CdkDrag,
    CdkDragHandle,
    SqlEditorComponent,
  ],
  templateUrl: './migrations-page.component.html',
  styleUrl: './migrations-page.component.scss',
})
export class MigrationsPageComponent {
  private readonly api = inject(MigrationsApi);
  private readonly endpointsApi = inject(ApiClient);
  private readonly destroyRef = inject(DestroyRef);
  private readonly auth = inject(AuthService);

  /** Preview, dry run and run are admin business (the gateway answers 403 to other roles). */
  protected readonly canRun = computed(() => this.auth.can('admin'));
  protected readonly name = signal('');
  protected readonly sql = signal('');
  protected readonly lockTimeoutMs = signal(5000);
  protected readonly statementTimeoutMs = signal(60_000);
  protected readonly targets = signal<TargetRow[]>([]);
  protected readonly preview = signal<MigrationPreview | null>(null);
  protected readonly run = signal<MigrationRunView | null>(null);
  protected readonly history = signal<MigrationRunSummary[]>([]);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly busy = signal(false);
  protected readonly fileError = signal<string | null>(null);

  protected readonly selected = computed(() => this.targets().filter((t) => t.selected));
  protected readonly canSubmit = computed(
    () => this.name().trim() !== '' && this.sql().trim() !== '' && this.selected().length > 0 && !this.busy(),
  );
  protected readonly running = computed(() => {
    const s = this.run()?.status;
    return s === 'queued' || s === 'running';
  });

  constructor() {
    this.endpointsApi
      .listEndpoints()
      .pipe(takeUntilDestroyed())
      .subscribe({
        next: (eps) => {
          // Replicas first (selected, by name), primaries after (never selected by default).
          const sorted = [...eps].sort(
            (a, b) => Number(a.role === 'primary') - Number(b.role === 'primary') || a.name.localeCompare(b.name),
          );
          this.targets.set(sorted.map((endpoint) => ({ endpoint, selected: endpoint.role === 'replica' })));
        },
        error: (e: unknown) => this.error.set(e as ApiError),
      });
    this.refreshHistory();
    inject(LiveUpdatesService)
      .triggers$.pipe(
        filter((t) => t.kind === 'connected' || t.message.type === 'migration.progress'),
        takeUntilDestroyed(),
      )
      .subscribe(() => this.refreshRun());
  }

  protected onFile(event: Event): void {
    const file = (event.target as HTMLInputElement).files?.[0];
    this.fileError.set(null);
    if (!file) return;
    if (file.size > MAX_SQL_BYTES) {
      this.fileError.set(`${file.name} is ${file.size} bytes; the limit is ${MAX_SQL_BYTES}`);
      return;
    }
    void file.arrayBuffer().then((buf) => {
      const text = decodeUtf8(buf);
      if (text === null) {
        this.fileError.set(`${file.name} is not valid UTF-8: save it as UTF-8 and upload again`);
        return;
      }
      this.sql.set(text);
      if (this.name().trim() === '') this.name.set(file.name.replace(/\.sql$/i, ''));
      this.preview.set(null);
    });
  }

  protected toggle(row: TargetRow, selected: boolean): void {
    this.targets.update((rows) => rows.map((r) => (r === row ? { ...r, selected } : r)));
    this.preview.set(null);
  }

  protected move(index: number, delta: -1 | 1): void {
    this.targets.update((rows) => {
      const next = [...rows];
      moveItemInArray(next, index, index + delta);
      return next;
    });
    this.preview.set(null);
  }

  protected drop(event: CdkDragDrop<TargetRow[]>): void {
    this.targets.update((rows) => {
      const next = [...rows];
      moveItemInArray(next, event.previousIndex, event.currentIndex);
      return next;
    });
    this.preview.set(null);
  }

  protected doPreview(): void {
    this.call(this.api.preview(this.input(false)), (p) => this.preview.set(p));
  }

  protected doRun(dryRun: boolean): void {
    this.call(this.api.submit(this.input(dryRun)), (summary) => {
      this.run.set({ ...summary, sql: this.sql(), lockTimeoutMs: 0, statementTimeoutMs: 0, warnings: [], steps: [] });
      this.refreshRun();
      this.refreshHistory();
    });
  }

  protected open(id: string): void {
    this.api
      .get(id)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({ next: (r) => this.run.set(r), error: (e: unknown) => this.error.set(e as ApiError) });
  }

  private input(dryRun: boolean): MigrationInput {
    const chosen = this.selected();
    return {
      name: this.name().trim(),
      sql: this.sql(),
      targets: chosen.map((t) => t.endpoint.id),
      includePrimaries: chosen.some((t) => t.endpoint.role === 'primary'),
      dryRun,
      lockTimeoutMs: this.lockTimeoutMs(),
      statementTimeoutMs: this.statementTimeoutMs(),
    };
  }

  private call<T>(obs: Observable<T>, next: (v: T) => void): void {
    this.busy.set(true);
    this.error.set(null);
    obs.pipe(takeUntilDestroyed(this.destroyRef)).subscribe({
      next: (v) => {
        this.busy.set(false);
        next(v);
      },
      error: (e: unknown) => {
        this.busy.set(false);
        this.error.set(e as ApiError);
      },
    });
  }

  private refreshRun(): void {
    const id = this.run()?.id;
    if (id) this.open(id);
    this.refreshHistory();
  }

  private refreshHistory(): void {
    this.api
      .list()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({ next: (h) => this.history.set(h), error: () => undefined });
  }
}
