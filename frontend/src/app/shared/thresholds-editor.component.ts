import { ChangeDetectionStrategy, Component, effect, inject, input, output, signal, untracked } from '@angular/core';
import {
  type AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  type ValidationErrors,
  Validators,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_FORM_FIELD_DEFAULT_OPTIONS, MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { Observable } from 'rxjs';

import { ApiClient, type ApiError, type StreamThresholdsView } from '../core/api.client';
import { AuthService } from '../core/auth.service';
import type { LagThresholds } from '../core/contracts';

/** Bytes per MiB: the byte thresholds are edited in MiB and sent in bytes. */
export const MIB = 1024 * 1024;

type Field = keyof LagThresholds;
const FIELDS: readonly Field[] = ['warningBytes', 'criticalBytes', 'warningSeconds', 'criticalSeconds'];

/** Form values (MiB / seconds as typed; null = not set) ↔ API thresholds (bytes / seconds). */
export function toThresholds(v: Record<Field, number | null>): LagThresholds {
  const bytes = (x: number | null) => (x === null ? null : Math.round(x * MIB));
  return {
    warningBytes: bytes(v.warningBytes),
    criticalBytes: bytes(v.criticalBytes),
    warningSeconds: v.warningSeconds,
    criticalSeconds: v.criticalSeconds,
  };
}

export function toFormValues(t: LagThresholds): Record<Field, number | null> {
  const mib = (x: number | null) => (x === null ? null : Math.round((x / MIB) * 1000) / 1000);
  return {
    warningBytes: mib(t.warningBytes),
    criticalBytes: mib(t.criticalBytes),
    warningSeconds: t.warningSeconds,
    criticalSeconds: t.criticalSeconds,
  };
}

/** Group validator: warning ≤ critical per dimension; the error sits on the warning field (as the API puts it). */
function warningNotAboveCritical(group: AbstractControl): ValidationErrors | null {
  for (const [w, c] of [
    ['warningBytes', 'criticalBytes'],
    ['warningSeconds', 'criticalSeconds'],
  ] as const) {
    const warning = group.get(w);
    const wv = warning?.value as number | null;
    const cv = group.get(c)?.value as number | null;
    const bad = wv !== null && cv !== null && wv > cv;
    const errors = { ...(warning?.errors ?? {}) };
    if (bad) {
      errors['aboveCritical'] = true;
    } else {
      delete errors['aboveCritical'];
    }
    warning?.setErrors(Object.keys(errors).length ? errors : null);
  }
  return null;
}

/**
 * Lag thresholds editor. `streamId` null edits the global defaults (`/api/thresholds`); otherwise the stream's own
 * override (`/api/streams/:id/thresholds`) with "Revert to global". Bytes are typed in MiB, seconds in seconds;
 * empty = not set. Client checks (non-negative, warning ≤ critical) mirror the server's, and the server's field
 * errors are shown at their fields. Thresholds are admin business: other roles see them read-only (inputs disabled,
 * no save or revert).
 */
@Component({
  selector: 'prm-thresholds-editor',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, MatButtonModule],
  providers: [
    { provide: MAT_FORM_FIELD_DEFAULT_OPTIONS, useValue: { appearance: 'outline', subscriptSizing: 'dynamic' } },
  ],
  template: `
    <form [formGroup]="form" (ngSubmit)="save()" novalidate data-testid="thresholds-form">
      <p class="scope" data-testid="thresholds-scope">
        @if (streamId()) {
          @if (overridden()) {
            This stream uses <strong>its own thresholds</strong>.
          } @else {
            This stream uses the <strong>global defaults</strong
            >{{ canEdit ? '; saving here makes them its own.' : '.' }}
          }
        } @else {
          Defaults for every stream without its own thresholds. Empty = not set (no indicator on that dimension).
        }
      </p>
      <div class="row">
        @for (f of fields; track f.key) {
          <mat-form-field>
            <mat-label>{{ f.label }}</mat-label>
            <input
              matInput
              type="number"
              min="0"
              step="any"
              [formControlName]="f.key"
              [attr.data-testid]="'threshold-' + f.key"
            />
            <span matTextSuffix>{{ f.unit }}</span>
            <mat-error [attr.data-testid]="'threshold-error-' + f.key">{{ errorText(f.key) }}</mat-error>
          </mat-form-field>
        }
      </div>
      @if (message(); as m) {
        <p [class]="'message ' + m.tone" role="status" data-testid="thresholds-message">{{ m.text }}</p>
      }
      @if (!canEdit) {
        <p class="readonly-note" data-testid="thresholds-readonly">Only admins change thresholds.</p>
      } @else {
        <div class="actions">
          <button mat-flat-button type="submit" [disabled]="busy()" data-testid="thresholds-save">
            Save thresholds
          </button>
          @if (streamId() && overridden()) {
            <button
              mat-stroked-button
              type="button"
              (click)="revert()"
              [disabled]="busy()"
              data-testid="thresholds-revert"
            >
              Revert to global
            </button>
          }
        </div>
      }
    </form>
  `,
  styles: `
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: 12px;
    }
    mat-form-field {
      width: 190px;
    }
    .scope {
      margin: 0 0 10px;
      color: #3c4650;
    }
    .actions {
      display: flex;
      gap: 8px;
      margin-top: 8px;
    }
    .message {
      margin: 6px 0 0;
    }
    .message.bad {
      color: var(--prm-bad);
    }
    .message.ok {
      color: var(--prm-ok);
    }
    .readonly-note {
      margin: 6px 0 0;
      color: var(--prm-muted);
    }
  `,
})
export class ThresholdsEditorComponent {
  private readonly api = inject(ApiClient);
  private readonly fb = inject(NonNullableFormBuilder);

  /** Stream whose override is edited; null for the global defaults. */
  readonly streamId = input<string | null>(null);
  /** Emits after a successful save or revert (the page refetches what depends on thresholds). */
  readonly changed = output<StreamThresholdsView | LagThresholds>();

  protected readonly fields: readonly { key: Field; label: string; unit: string }[] = [
    { key: 'warningBytes', label: 'Warning lag', unit: 'MiB' },
    { key: 'criticalBytes', label: 'Critical lag', unit: 'MiB' },
    { key: 'warningSeconds', label: 'Warning lag', unit: 's' },
    { key: 'criticalSeconds', label: 'Critical lag', unit: 's' },
  ];
  protected readonly form = this.fb.group(
    {
      warningBytes: this.fb.control<number | null>(null, Validators.min(0)),
      criticalBytes: this.fb.control<number | null>(null, Validators.min(0)),
      warningSeconds: this.fb.control<number | null>(null, Validators.min(0)),
      criticalSeconds: this.fb.control<number | null>(null, Validators.min(0)),
    },
    { validators: warningNotAboveCritical },
  );
  /** Only admins may change thresholds (a role never changes within a session: a change ends it). */
  protected readonly canEdit = inject(AuthService).can('admin');
  protected readonly overridden = signal(false);
  protected readonly busy = signal(false);
  protected readonly message = signal<{ text: string; tone: 'ok' | 'bad' } | null>(null);

  constructor() {
    if (!this.canEdit) {
      this.form.disable();
    }
    effect(() => {
      const id = this.streamId();
      untracked(() => this.load(id));
    });
  }

  /** Text under a field: the server's reason, else the client-side one. */
  protected errorText(field: Field): string {
    const errors = this.form.controls[field].errors ?? {};
    if (typeof errors['server'] === 'string') {
      return errors['server'];
    }
    if (errors['min']) {
      return 'Must be 0 or more.';
    }
    if (errors['aboveCritical']) {
      return 'Warning must not be above critical.';
    }
    return '';
  }

  protected save(): void {
    this.form.updateValueAndValidity();
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.message.set({ text: 'Fix the highlighted fields; nothing was saved.', tone: 'bad' });
      return;
    }
    const thresholds = toThresholds(this.form.getRawValue());
    const id = this.streamId();
    const request: Observable<StreamThresholdsView | LagThresholds> = id
      ? this.api.putStreamThresholds(id, thresholds)
      : this.api.putGlobalThresholds(thresholds);
    this.run(request, 'Saved.');
  }

  protected revert(): void {
    const id = this.streamId();
    if (id) {
      this.run(this.api.deleteStreamThresholds(id), 'Reverted to the global defaults.');
    }
  }

  private run(request: Observable<StreamThresholdsView | LagThresholds>, done: string): void {
    this.busy.set(true);
    this.message.set(null);
    request.subscribe({
      next: (result) => {
        this.busy.set(false);
        this.apply(result);
        this.message.set({ text: done, tone: 'ok' });
        this.changed.emit(result);
      },
      error: (err: ApiError) => {
        this.busy.set(false);
        this.showServerError(err);
      },
    });
  }

  private load(id: string | null): void {
    const request: Observable<StreamThresholdsView | LagThresholds> = id
      ? this.api.streamThresholds(id)
      : this.api.globalThresholds();
    request.subscribe({
      next: (result) => this.apply(result),
      error: (err: ApiError) => this.message.set({ text: `Could not load thresholds: ${err.message}`, tone: 'bad' }),
    });
  }

  private apply(result: StreamThresholdsView | LagThresholds): void {
    const thresholds = 'thresholds' in result ? result.thresholds : result;
    this.overridden.set('overridden' in result ? result.overridden : false);
    this.form.reset(toFormValues(thresholds));
  }

  private showServerError(err: ApiError): void {
    let placed = false;
    for (const detail of err.body.details) {
      const field = detail.field as Field | undefined;
      if (field && FIELDS.includes(field)) {
        const control = this.form.controls[field];
        control.setErrors({ ...(control.errors ?? {}), server: detail.reason });
        control.markAsTouched();
        placed = true;
      }
    }
    this.message.set({
      text: placed ? `Nothing was saved: ${err.message}.` : `Nothing was saved: ${err.message}`,
      tone: 'bad',
    });
  }
}
