import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  type ValidationErrors,
  Validators,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MAT_FORM_FIELD_DEFAULT_OPTIONS, MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';

import { ApiClient, ApiError } from '../core/api.client';
import {
  CLOUD_OPTIONS,
  CREDENTIAL_KIND_OPTIONS,
  type CredentialKind,
  LOG_FORMAT_OPTIONS,
  LOG_SOURCE_KIND_OPTIONS,
  type LogSourceKind,
  type LogSourceRef,
  type CredentialRef,
  type EndpointInput,
  type EndpointView,
  ROLE_OPTIONS,
  SSL_MODE_OPTIONS,
} from '../core/contracts';
import { type EndpointFormField, describeDetail, fieldsForDetail } from './endpoint-errors';

/** Data passed to the dialog: the endpoint to edit, or nothing to add one. */
export interface EndpointFormDialogData {
  endpoint?: EndpointView;
}

/** Integer validator (the server rejects `5432.5`). */
function integer(control: AbstractControl): ValidationErrors | null {
  const v = control.value as unknown;
  return v === null || v === '' || Number.isInteger(v) ? null : { integer: true };
}

/** Credential sub-fields shown (and validated) per credential kind. */
const CREDENTIAL_FIELDS: Record<CredentialKind, ('secretArn' | 'user' | 'region' | 'passwordEnv')[]> = {
  'aws-secret': ['secretArn'],
  'rds-iam': ['user', 'region'],
  env: ['user', 'passwordEnv'],
};

const CREDENTIAL_HINTS: Record<CredentialKind, string> = {
  'aws-secret': 'Secrets Manager secret in the RDS format {username, password, ...}; prm reads it, never stores it.',
  'rds-iam': 'RDS IAM authentication: a 15-minute token per connection (TLS required).',
  env: 'Local use only: the password is read from an environment variable of the prm process.',
};

/** Log source sub-fields shown (and validated) per kind. */
const LOG_SOURCE_FIELDS: Record<LogSourceKind, ('path' | 'format' | 'instanceId' | 'region' | 'logGroup')[]> = {
  none: [],
  file: ['path', 'format'],
  rds: ['instanceId', 'region'],
  cloudwatch: ['logGroup', 'region'],
};

const LOG_SOURCE_LABELS: Record<LogSourceKind, string> = {
  none: 'none',
  file: 'log file',
  rds: 'RDS instance',
  cloudwatch: 'CloudWatch Logs',
};

const LOG_SOURCE_HINTS: Record<LogSourceKind, string> = {
  none: 'No log: replication errors are still counted (pg_stat_subscription_stats), without their messages.',
  file: 'A csvlog or jsonlog file the prm process can read (log_destination on a self-managed server).',
  rds: 'RDS log files read with DownloadDBLogFilePortion (needs rds:DownloadDBLogFilePortion).',
  cloudwatch: 'Exported PostgreSQL log group, e.g. /aws/rds/instance/<id>/postgresql (needs logs:FilterLogEvents).',
};

/** A server-side problem, shown in the summary and next to its fields. */
interface ServerProblem {
  text: string;
  fields: EndpointFormField[];
  code?: string;
}

/**
 * Add / edit an endpoint. Client-side validation mirrors the server's DTO (required fields, port 1..65535); the
 * server's answer is mapped back onto the form: 400 per field, 409 at the name, 422 (live check failed) at the field
 * the cause belongs to, with "Save anyway" retrying with `?force=true`. No password is ever typed here.
 */
@Component({
  selector: 'prm-endpoint-form-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    ReactiveFormsModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatButtonModule,
    MatProgressBarModule,
  ],
  providers: [
    { provide: MAT_FORM_FIELD_DEFAULT_OPTIONS, useValue: { appearance: 'outline', subscriptSizing: 'dynamic' } },
  ],
  templateUrl: './endpoint-form-dialog.component.html',
  styleUrl: './endpoint-form-dialog.component.scss',
})
export class EndpointFormDialogComponent {
  private readonly api = inject(ApiClient);
  private readonly dialogRef = inject<MatDialogRef<EndpointFormDialogComponent, EndpointView>>(MatDialogRef);
  private readonly data = inject<EndpointFormDialogData | null>(MAT_DIALOG_DATA, { optional: true });
  private readonly fb = inject(NonNullableFormBuilder);

  protected readonly editing = this.data?.endpoint ?? null;
  protected readonly clouds = CLOUD_OPTIONS;
  protected readonly roles = ROLE_OPTIONS;
  protected readonly sslModes = SSL_MODE_OPTIONS;
  protected readonly credentialKinds = CREDENTIAL_KIND_OPTIONS;
  protected readonly credentialHints = CREDENTIAL_HINTS;

  protected readonly form = this.fb.group({
    name: ['', [Validators.required, Validators.maxLength(63)]],
    host: ['', [Validators.required, Validators.maxLength(253)]],
    port: this.fb.control<number | null>(5432, [
      Validators.required,
      Validators.min(1),
      Validators.max(65535),
      integer,
    ]),
    dbname: ['', [Validators.required, Validators.maxLength(63)]],
    sslmode: this.fb.control<(typeof SSL_MODE_OPTIONS)[number]>('prefer', Validators.required),
    cloud: this.fb.control<(typeof CLOUD_OPTIONS)[number]>('aws', Validators.required),
    region: [''],
    network: [''],
    role: this.fb.control<(typeof ROLE_OPTIONS)[number]>('replica', Validators.required),
    credential: this.fb.group({
      kind: this.fb.control<CredentialKind>('aws-secret', Validators.required),
      secretArn: ['', [Validators.required, Validators.pattern(/^arn:aws[a-z-]*:secretsmanager:/)]],
      user: ['', Validators.required],
      region: ['', Validators.required],
      passwordEnv: ['', [Validators.required, Validators.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/)]],
    }),
    logSource: this.fb.group({
      kind: this.fb.control<LogSourceKind>('none', Validators.required),
      path: ['', [Validators.required, Validators.pattern(/^\//)]],
      format: this.fb.control<(typeof LOG_FORMAT_OPTIONS)[number]>('csvlog', Validators.required),
      instanceId: ['', [Validators.required, Validators.pattern(/^[A-Za-z][A-Za-z0-9-]{0,62}$/)]],
      region: ['', [Validators.required, Validators.pattern(/^[a-z]{2}(-[a-z]+)+-\d$/)]],
      logGroup: ['', [Validators.required, Validators.pattern(/^[.\-_/#A-Za-z0-9]{1,512}$/)]],
    }),
  });

  protected readonly saving = signal(false);
  /** Summary line of the last failed save (or of client-side validation). */
  protected readonly summary = signal<string | null>(null);
  protected readonly problems = signal<ServerProblem[]>([]);
  /** Set after a 422: the live check failed and the endpoint may be saved anyway with `?force=true`. */
  protected readonly canForce = signal(false);
  protected readonly credentialKind = signal<CredentialKind>('aws-secret');
  protected readonly logSourceKinds = LOG_SOURCE_KIND_OPTIONS;
  protected readonly logSourceLabels = LOG_SOURCE_LABELS;
  protected readonly logSourceHints = LOG_SOURCE_HINTS;
  protected readonly logFormats = LOG_FORMAT_OPTIONS;
  protected readonly logSourceKind = signal<LogSourceKind>('none');
  /** The endpoint being edited had a log source (so choosing `none` must be sent to clear it). */
  private readonly hadLogSource: boolean;

  constructor() {
    const credential = this.form.controls.credential;
    const destroyRef = inject(DestroyRef);
    credential.controls.kind.valueChanges
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((kind) => this.applyCredentialKind(kind));
    this.form.controls.logSource.controls.kind.valueChanges
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((kind) => this.applyLogSourceKind(kind));
    this.hadLogSource = !!logSourceOf(this.editing) && logSourceOf(this.editing)?.kind !== 'none';
    if (this.editing) {
      this.patchFrom(this.editing);
    }
    this.applyCredentialKind(credential.controls.kind.value);
    this.applyLogSourceKind(this.form.controls.logSource.controls.kind.value);
  }

  /** Server message for one field (joined when several details hit it), or null. */
  protected serverError(field: EndpointFormField): string | null {
    const texts = this.problems()
      .filter((p) => p.fields.includes(field))
      .map((p) => p.text);
    return texts.length ? texts.join(' ') : null;
  }

  /** Validates, then creates or updates; `force` skips the live check failure (endpoint down today). */
  protected save(force = false): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.summary.set('Fix the highlighted fields.');
      this.problems.set([]);
      this.canForce.set(false);
      return;
    }
    const input = this.toInput();
    this.saving.set(true);
    const request = this.editing
      ? this.api.updateEndpoint(this.editing.id, input, force)
      : this.api.createEndpoint(input, force);
    request.subscribe({
      next: (saved) => {
        this.saving.set(false);
        this.dialogRef.close(saved);
      },
      error: (err: ApiError) => {
        this.saving.set(false);
        this.showServerError(err);
      },
    });
  }

  protected cancel(): void {
    this.dialogRef.close();
  }

  private showServerError(err: ApiError): void {
    const problems: ServerProblem[] = err.body.details.map((d) => ({
      text: describeDetail(d),
      fields: fieldsForDetail(d),
      code: d.code,
    }));
    this.problems.set(problems);
    this.canForce.set(err.status === 422);
    const lead =
      err.status === 422
        ? 'The live check failed, nothing was saved.'
        : err.status === 409
          ? 'Nothing was saved: the name is already taken.'
          : err.status === 400
            ? 'Nothing was saved: the server rejected some fields.'
            : 'Nothing was saved.';
    this.summary.set(err.status === 422 || !err.body.message ? lead : `${lead} (${err.body.message})`);
    for (const problem of problems) {
      for (const field of problem.fields) {
        this.markServerError(field, problem.text);
      }
    }
  }

  /** Puts a `server` error on the control(s) so mat-error shows it; the next edit of the control clears it. */
  private markServerError(field: EndpointFormField, text: string): void {
    // A credential problem is shown once, under the first sub-field of the selected kind.
    const logSource = this.form.controls.logSource.controls;
    const firstLogField = LOG_SOURCE_FIELDS[logSource.kind.value][0];
    const controls: AbstractControl[] =
      field === 'credential'
        ? [
            this.form.controls.credential.controls[
              CREDENTIAL_FIELDS[this.form.controls.credential.controls.kind.value][0]
            ],
          ]
        : field === 'logSource'
          ? [firstLogField ? logSource[firstLogField] : logSource.kind]
          : [this.form.controls[field]];
    for (const control of controls) {
      control.setErrors({ ...(control.errors ?? {}), server: text });
      control.markAsTouched();
    }
  }

  private applyCredentialKind(kind: CredentialKind): void {
    this.credentialKind.set(kind);
    const group = this.form.controls.credential.controls;
    for (const name of ['secretArn', 'user', 'region', 'passwordEnv'] as const) {
      if (CREDENTIAL_FIELDS[kind].includes(name)) {
        group[name].enable({ emitEvent: false });
      } else {
        group[name].disable({ emitEvent: false });
      }
    }
  }

  private applyLogSourceKind(kind: LogSourceKind): void {
    this.logSourceKind.set(kind);
    const group = this.form.controls.logSource.controls;
    for (const name of ['path', 'format', 'instanceId', 'region', 'logGroup'] as const) {
      if (LOG_SOURCE_FIELDS[kind].includes(name)) {
        group[name].enable({ emitEvent: false });
      } else {
        group[name].disable({ emitEvent: false });
      }
    }
  }

  private toLogSource(): LogSourceRef {
    const l = this.form.controls.logSource.getRawValue();
    switch (l.kind) {
      case 'file':
        return { kind: 'file', path: l.path.trim(), format: l.format };
      case 'rds':
        return { kind: 'rds', instanceId: l.instanceId.trim(), region: l.region.trim() };
      case 'cloudwatch':
        return { kind: 'cloudwatch', logGroup: l.logGroup.trim(), region: l.region.trim() };
      case 'none':
        return { kind: 'none' };
    }
  }

  private patchFrom(e: EndpointView): void {
    const l = logSourceOf(e);
    if (l) {
      this.form.controls.logSource.patchValue({
        kind: l.kind,
        path: l.kind === 'file' ? l.path : '',
        format: l.kind === 'file' ? l.format : 'csvlog',
        instanceId: l.kind === 'rds' ? l.instanceId : '',
        region: l.kind === 'rds' || l.kind === 'cloudwatch' ? l.region : '',
        logGroup: l.kind === 'cloudwatch' ? l.logGroup : '',
      });
    }
    const c = e.credential;
    this.form.patchValue({
      name: e.name,
      host: e.host,
      port: e.port,
      dbname: e.dbname,
      sslmode: e.sslmode,
      cloud: e.cloud,
      region: e.region ?? '',
      network: e.network ?? '',
      role: e.role,
      credential: {
        kind: c.kind,
        secretArn: c.kind === 'aws-secret' ? c.secretArn : '',
        user: c.kind === 'rds-iam' || c.kind === 'env' ? c.user : '',
        region: c.kind === 'rds-iam' ? c.region : '',
        passwordEnv: c.kind === 'env' ? c.passwordEnv : '',
      },
    });
  }

  private toInput(): EndpointInput {
    const v = this.form.getRawValue();
    const c = v.credential;
    const logSource = this.toLogSource();
    const credential: CredentialRef =
      c.kind === 'aws-secret'
        ? { kind: 'aws-secret', secretArn: c.secretArn.trim() }
        : c.kind === 'rds-iam'
          ? { kind: 'rds-iam', user: c.user.trim(), region: c.region.trim() }
          : { kind: 'env', user: c.user.trim(), passwordEnv: c.passwordEnv.trim() };
    return {
      name: v.name.trim(),
      host: v.host.trim(),
      port: Number(v.port),
      dbname: v.dbname.trim(),
      sslmode: v.sslmode,
      cloud: v.cloud,
      // Empty optional fields are left out of a create and cleared (null) by an edit.
      region: v.region.trim() || (this.editing ? null : undefined),
      network: v.network.trim() || (this.editing ? null : undefined),
      role: v.role,
      credential,
      // `none` is left out of a create (the default) and sent by an edit only to clear an existing source.
      ...(logSource.kind !== 'none' || this.hadLogSource ? { logSource } : {}),
    };
  }
}

/** The endpoint's log source (`EndpointView.logSource`; tolerates a server that does not send it). */
function logSourceOf(e: EndpointView | null): LogSourceRef | null {
  return e?.logSource ?? null;
}
