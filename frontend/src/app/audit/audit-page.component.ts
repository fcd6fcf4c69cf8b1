import { DatePipe, JsonPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';

import type { ApiError } from '../core/api.client';
import { AuditApi, type AuditRecordView } from './audit.api';

/** Records per page. */
export const AUDIT_PAGE_SIZE = 50;

/**
 * `/audit` (admin): the append-only audit log, newest first: time, actor, source IP, action, subject, HTTP status and
 * outcome; a row opens its redacted request payload. "Older" pages backwards (`before` = the last id shown), "Newest"
 * goes back to the first page; the actor filter matches a name exactly.
 */
@Component({
  selector: 'prm-audit-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, JsonPipe, FormsModule, MatButtonModule, MatFormFieldModule, MatInputModule],
  template: `
    <header class="head">
      <h1>Audit log</h1>
      <span class="muted">every change, migration and provisioning action; append-only</span>
      <span class="spacer"></span>
      <form class="filter" (ngSubmit)="applyFilter()" aria-label="Filter by actor">
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Actor</mat-label>
          <input matInput name="actor" [(ngModel)]="actorInput" data-testid="audit-actor" />
        </mat-form-field>
        <button mat-stroked-button type="submit" data-testid="audit-filter">Filter</button>
      </form>
    </header>

    @if (error(); as err) {
      <div class="banner" role="alert" data-testid="audit-error">Could not load the audit log: {{ err.message }}</div>
    }

    <table class="grid" data-testid="audit-table">
      <caption class="visually-hidden">
        Audit records, newest first; select a row to see its payload
      </caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Source IP</th>
          <th scope="col">Action</th>
          <th scope="col">Subject</th>
          <th scope="col">Status</th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        @for (r of records(); track r.id) {
          <tr
            class="row"
            data-testid="audit-row"
            [attr.data-id]="r.id"
            [attr.data-outcome]="r.outcome"
            tabindex="0"
            (click)="toggle(r.id)"
            (keydown.enter)="toggle(r.id)"
            (keydown.space)="toggle(r.id); $event.preventDefault()"
            [attr.aria-expanded]="expanded() === r.id"
          >
            <td class="mono">{{ r.at | date: 'yyyy-MM-dd HH:mm:ss' }}</td>
            <td>{{ r.actor }}</td>
            <td class="mono">{{ r.sourceIp ?? '-' }}</td>
            <td class="mono">{{ r.action }}</td>
            <td class="mono">{{ r.subject ?? '-' }}</td>
            <td class="mono">{{ r.statusCode }}</td>
            <td>
              <span [class]="'outcome o-' + r.outcome">{{ r.outcome }}</span>
            </td>
          </tr>
          @if (expanded() === r.id) {
            <tr class="detail">
              <td colspan="7">
                <div class="small muted">
                  id {{ r.id }}
                  @if (r.correlationId) {
                    · correlation {{ r.correlationId }}
                  }
                  · secrets redacted, long values cut
                </div>
                @if (r.payload === null || r.payload === undefined) {
                  <p class="muted">No request body.</p>
                } @else {
                  <pre class="payload" data-testid="audit-payload">{{ r.payload | json }}</pre>
                }
              </td>
            </tr>
          }
        } @empty {
          <tr>
            <td colspan="7" class="muted empty">{{ loading() ? 'Loading…' : 'No audit records.' }}</td>
          </tr>
        }
      </tbody>
    </table>

    <nav class="paging" aria-label="Audit pages">
      <button
        mat-button
        type="button"
        (click)="newest()"
        [disabled]="!before() || loading()"
        data-testid="audit-newest"
      >
        Newest
      </button>
      <button
        mat-stroked-button
        type="button"
        (click)="older()"
        [disabled]="!hasOlder() || loading()"
        data-testid="audit-older"
      >
        Older
      </button>
    </nav>
  `,
  styles: `
    .head {
      display: flex;
      align-items: center;
      gap: 14px;
      margin-bottom: 8px;
      h1 {
        font-size: 20px;
        font-weight: 500;
        margin: 0;
      }
    }
    .spacer {
      flex: 1;
    }
    .filter {
      display: flex;
      align-items: center;
      gap: 8px;
    }
    .muted {
      color: var(--prm-muted);
    }
    .small {
      font-size: 12px;
    }
    .banner {
      background: #fdecea;
      border: 1px solid #f3b8b4;
      color: #8a1c14;
      border-radius: 6px;
      padding: 8px 12px;
      margin-bottom: 8px;
    }
    table.grid {
      width: 100%;
      border-collapse: collapse;
      border: 1px solid #e3e6ea;
      th,
      td {
        text-align: left;
        padding: 5px 8px;
        border-bottom: 1px solid #eceff1;
      }
      thead th {
        font-weight: 500;
        color: #3c4650;
        border-bottom: 1px solid #d5d9de;
      }
    }
    tr.row {
      cursor: pointer;
    }
    tr.row:hover,
    tr.row:focus-visible {
      background: #f4f7fb;
    }
    tr.detail td {
      background: #fafbfc;
    }
    .payload {
      font-family: var(--prm-mono);
      font-size: 12px;
      white-space: pre-wrap;
      word-break: break-word;
      max-height: 360px;
      overflow: auto;
      margin: 6px 0 0;
    }
    .outcome {
      display: inline-block;
      padding: 0 8px;
      border-radius: 10px;
      font-size: 12px;
      line-height: 20px;
      border: 1px solid currentColor;
    }
    .o-succeeded {
      color: var(--prm-ok);
    }
    .o-refused {
      color: var(--prm-warn);
    }
    .o-failed {
      color: var(--prm-bad);
    }
    .empty {
      padding: 16px;
    }
    .paging {
      display: flex;
      justify-content: flex-end;
      gap: 8px;
      margin-top: 8px;
    }
  `,
})
export class AuditPageComponent {
  private readonly api = inject(AuditApi);

  protected actorInput = '';
  protected readonly records = signal<AuditRecordView[]>([]);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly loading = signal(false);
  protected readonly expanded = signal<string | null>(null);
  /** `before` of the page shown (null: the newest page). */
  protected readonly before = signal<string | null>(null);
  /** A full page came back, so older records may exist. */
  protected readonly hasOlder = signal(false);
  private actor: string | null = null;

  constructor() {
    this.load(null);
  }

  protected toggle(id: string): void {
    this.expanded.set(this.expanded() === id ? null : id);
  }

  protected applyFilter(): void {
    this.actor = this.actorInput.trim() || null;
    this.load(null);
  }

  protected older(): void {
    const last = this.records().at(-1);
    if (last) {
      this.load(last.id);
    }
  }

  protected newest(): void {
    this.load(null);
  }

  private load(before: string | null): void {
    this.loading.set(true);
    this.error.set(null);
    this.api.list({ limit: AUDIT_PAGE_SIZE, before, actor: this.actor }).subscribe({
      next: (records) => {
        this.loading.set(false);
        this.records.set(records);
        this.before.set(before);
        this.hasOlder.set(records.length === AUDIT_PAGE_SIZE);
        this.expanded.set(null);
      },
      error: (err: ApiError) => {
        this.loading.set(false);
        this.error.set(err);
      },
    });
  }
}
