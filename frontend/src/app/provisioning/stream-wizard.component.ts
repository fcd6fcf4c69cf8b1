import {
  ChangeDetectionStrategy,
  Component,
  type OnDestroy,
  type OnInit,
  computed,
  inject,
  signal,
} from '@angular/core';
import { RouterLink } from '@angular/router';

import type { EndpointView } from '../core/contracts';
import type { PreflightReport, ProvisioningRunView, SourceTableView } from '@prm/contracts/provisioning.js';
import { SETTLED_RUN_STATES, messageOf } from './follow-run';
import { type CreateStreamBody, ProvisioningApi } from './provisioning.api';

/** Wizard steps, in order. */
const STEPS = ['endpoints', 'tables', 'options', 'preflight', 'create'] as const;
type Step = (typeof STEPS)[number];

/** `1234567` → `1.2 MB`. */
function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/**
 * Create-stream wizard (`/streams/new`): source and target, tables read live from the source (size, primary key /
 * replica identity), replication credential, names and options, the read-only preflight checklist, then the saga
 * with its steps shown live (polled every second until the run finishes or is rolled back).
 */
@Component({
  selector: 'prm-stream-wizard',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  templateUrl: './stream-wizard.component.html',
  styleUrl: './stream-wizard.component.scss',
})
export class StreamWizardComponent implements OnInit, OnDestroy {
  private readonly api = inject(ProvisioningApi);
  private timer: ReturnType<typeof setTimeout> | null = null;

  protected readonly steps = STEPS;
  protected readonly step = signal<Step>('endpoints');
  protected readonly endpoints = signal<EndpointView[]>([]);
  protected readonly sourceId = signal('');
  protected readonly targetId = signal('');
  protected readonly tables = signal<SourceTableView[]>([]);
  protected readonly tablesLoading = signal(false);
  protected readonly chosen = signal<ReadonlySet<string>>(new Set());
  protected readonly allTables = signal(false);
  protected readonly credentialKind = signal<'aws-secret' | 'env'>('aws-secret');
  protected readonly secretArn = signal('');
  protected readonly credentialUser = signal('');
  protected readonly passwordEnv = signal('');
  protected readonly publicationName = signal('');
  protected readonly useExistingPublication = signal(false);
  protected readonly subscriptionName = signal('');
  protected readonly copyData = signal(true);
  protected readonly streaming = signal<'off' | 'on' | 'parallel'>('off');
  protected readonly binary = signal(false);
  protected readonly disableOnError = signal(false);
  protected readonly origin = signal<'any' | 'none'>('any');
  protected readonly report = signal<PreflightReport | null>(null);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly run = signal<ProvisioningRunView | null>(null);
  private idempotencyKey = crypto.randomUUID();

  protected readonly source = computed(() => this.endpoints().find((e) => e.id === this.sourceId()) ?? null);
  protected readonly target = computed(() => this.endpoints().find((e) => e.id === this.targetId()) ?? null);
  protected readonly canLeaveEndpoints = computed(
    () => !!this.sourceId() && !!this.targetId() && this.sourceId() !== this.targetId(),
  );
  protected readonly canLeaveTables = computed(() => this.allTables() || this.chosen().size > 0);
  protected readonly canLeaveOptions = computed(() =>
    this.credentialKind() === 'aws-secret' ? !!this.secretArn() : !!this.credentialUser() && !!this.passwordEnv(),
  );
  protected readonly runFinished = computed(() => SETTLED_RUN_STATES.has(this.run()?.state ?? ''));
  protected readonly bytes = bytes;

  async ngOnInit(): Promise<void> {
    try {
      this.endpoints.set(await this.api.endpoints());
    } catch (err) {
      this.error.set(messageOf(err));
    }
  }

  ngOnDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  protected go(step: Step): void {
    this.error.set(null);
    this.step.set(step);
    if (step === 'tables') void this.loadTables();
  }

  protected stepIndex(step: Step): number {
    return STEPS.indexOf(step);
  }

  protected value(event: Event): string {
    return (event.target as HTMLInputElement | HTMLSelectElement).value;
  }

  protected checked(event: Event): boolean {
    return (event.target as HTMLInputElement).checked;
  }

  protected chooseSource(id: string): void {
    this.sourceId.set(id);
    this.chosen.set(new Set());
    this.report.set(null);
    this.prefillCredential();
  }

  /** Why "Next: preflight" is disabled, or null when it is not. */
  protected readonly optionsMissing = computed(() => {
    if (this.canLeaveOptions()) return null;
    return this.credentialKind() === 'aws-secret'
      ? 'Enter the ARN of the Secrets Manager secret holding the replication login.'
      : 'Enter the replication user and the environment variable holding its password.';
  });

  /** Whether the credential fields hold the source endpoint's own reference (prefilled, not typed). */
  protected readonly credentialPrefilled = signal(false);

  /**
   * Prefills the replication credential with the reference prm uses for the source (Secrets Manager or env; not IAM,
   * which a subscription cannot use), unless the user already typed one.
   */
  private prefillCredential(): void {
    const typed = this.secretArn() || this.credentialUser() || this.passwordEnv();
    if (typed && !this.credentialPrefilled()) return;
    const ref = this.source()?.credential;
    this.secretArn.set(ref?.kind === 'aws-secret' ? ref.secretArn : '');
    this.credentialUser.set(ref?.kind === 'env' ? ref.user : '');
    this.passwordEnv.set(ref?.kind === 'env' ? ref.passwordEnv : '');
    if (ref?.kind === 'aws-secret' || ref?.kind === 'env') this.credentialKind.set(ref.kind);
    this.credentialPrefilled.set(ref?.kind === 'aws-secret' || ref?.kind === 'env');
  }

  protected toggleTable(qualified: string, on: boolean): void {
    const next = new Set(this.chosen());
    if (on) next.add(qualified);
    else next.delete(qualified);
    this.chosen.set(next);
    this.report.set(null);
  }

  private async loadTables(): Promise<void> {
    if (!this.sourceId()) return;
    this.tablesLoading.set(true);
    try {
      this.tables.set(await this.api.tables(this.sourceId()));
    } catch (err) {
      this.error.set(messageOf(err));
    } finally {
      this.tablesLoading.set(false);
    }
  }

  private body(): CreateStreamBody {
    return {
      sourceEndpointId: this.sourceId(),
      targetEndpointId: this.targetId(),
      replicationCredential:
        this.credentialKind() === 'aws-secret'
          ? { kind: 'aws-secret', secretArn: this.secretArn() }
          : { kind: 'env', user: this.credentialUser(), passwordEnv: this.passwordEnv() },
      ...(this.allTables() ? {} : { tables: [...this.chosen()] }),
      ...(this.publicationName() ? { publicationName: this.publicationName() } : {}),
      ...(this.useExistingPublication() ? { useExistingPublication: true } : {}),
      ...(this.subscriptionName() ? { subscriptionName: this.subscriptionName() } : {}),
      options: {
        copyData: this.copyData(),
        ...(this.streaming() !== 'off' ? { streaming: this.streaming() } : {}),
        ...(this.binary() ? { binary: true } : {}),
        ...(this.disableOnError() ? { disableOnError: true } : {}),
        ...(this.origin() === 'none' ? { origin: 'none' as const } : {}),
      },
    };
  }

  protected async runPreflight(): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      this.report.set(await this.api.preflight(this.body()));
    } catch (err) {
      this.error.set(messageOf(err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async create(): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      this.run.set(await this.api.create(this.body(), this.idempotencyKey));
      this.step.set('create');
      this.poll();
    } catch (err) {
      this.error.set(messageOf(err));
    } finally {
      this.busy.set(false);
    }
  }

  /** After a finished run the next create is a new request (new idempotency key). */
  protected startOver(): void {
    this.idempotencyKey = crypto.randomUUID();
    this.run.set(null);
    this.report.set(null);
    this.step.set('preflight');
  }

  private poll(): void {
    const id = this.run()?.id;
    if (!id || this.runFinished()) return;
    this.timer = setTimeout(async () => {
      try {
        this.run.set(await this.api.run(id));
      } catch (err) {
        this.error.set(messageOf(err));
      }
      this.poll();
    }, 1000);
  }

  protected outcomeIcon(outcome: string): string {
    return outcome === 'pass' ? '✓' : outcome === 'warn' ? '!' : '✕';
  }
}
