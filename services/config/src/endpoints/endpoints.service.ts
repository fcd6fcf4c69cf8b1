import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  type ApiErrorDetail,
  CreateEndpointDto,
  DomainError,
  type EndpointCheckResult,
  type EndpointView,
  EventPattern,
  type LiveMessage,
  type PgCause,
  UpdateEndpointDto,
  toCredentialRef,
  toLogSourceRef,
  validatePayload,
} from '@prm/contracts';
import { PRM_BUS } from '@prm/messaging';
import { DuplicateEndpointNameError, type EndpointFields, EndpointRepository, toEndpointView } from '@prm/persistence';
import { EndpointChecker } from './endpoint-checker.js';

/** Which form field a failed live check points at, so the console can show the error there. */
const CAUSE_FIELD: Partial<Record<PgCause['code'], string>> = {
  'auth-failed': 'credential',
  'unknown-role': 'credential.user',
  'env-credential-missing': 'credential.passwordEnv',
  'secret-not-found': 'credential.secretArn',
  'aws-access-denied': 'credential',
  'kms-decrypt-denied': 'credential.secretArn',
  'secret-malformed': 'credential.secretArn',
  'dns-failure': 'host',
  'connection-refused': 'port',
  timeout: 'host',
  'unknown-database': 'dbname',
  'no-pg-hba-entry': 'host',
  'tls-required': 'sslmode',
  'tls-failed': 'sslmode',
  'insufficient-privilege': 'credential.user',
};

/** Fields whose change requires a new live check. */
const CONNECTION_FIELDS: (keyof EndpointFields)[] = ['host', 'port', 'dbname', 'sslmode', 'credential'];

export interface SavedEndpoint {
  endpoint: EndpointView;
  check: EndpointCheckResult | null;
}

/**
 * Endpoint configuration: validation (DTO, then a live check against the database), storage and
 * `endpoint.changed` events. Throws `DomainError`: validation-failed, not-found, conflict (name taken),
 * check-failed (live check failed and `force` was not set; details carry the cause code and remedy).
 */
@Injectable()
export class EndpointsService {
  private readonly logger = new Logger(EndpointsService.name);

  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly checker: EndpointChecker,
    @Inject(PRM_BUS) private readonly bus: ClientProxy,
  ) {}

  async list(): Promise<EndpointView[]> {
    return (await this.endpoints.findAll()).map(toEndpointView);
  }

  async get(id: string): Promise<EndpointView> {
    const found = isUuid(id) ? await this.endpoints.findById(id) : null;
    if (!found) throw notFound(id);
    return toEndpointView(found);
  }

  async create(body: unknown, force: boolean): Promise<SavedEndpoint> {
    const dto = validatePayload(CreateEndpointDto, body);
    const fields: EndpointFields = {
      name: dto.name,
      host: dto.host,
      port: dto.port,
      dbname: dto.dbname,
      sslmode: dto.sslmode,
      cloud: dto.cloud,
      region: dto.region ?? null,
      network: dto.network ?? null,
      role: dto.role,
      credential: toCredentialRef(dto.credential),
      logSource: dto.logSource ? toLogSourceRef(dto.logSource) : { kind: 'none' },
    };
    const check = await this.checkOrThrow(fields, force);
    const saved = await this.store(() => this.endpoints.insert(fields));
    this.announce(saved.id, 'created');
    return { endpoint: toEndpointView(saved), check };
  }

  async update(id: string, body: unknown, force: boolean): Promise<SavedEndpoint> {
    const dto = validatePayload(UpdateEndpointDto, body);
    const current = isUuid(id) ? await this.endpoints.findById(id) : null;
    if (!current) throw notFound(id);
    const patch: Partial<EndpointFields> = {};
    for (const key of ['name', 'host', 'port', 'dbname', 'sslmode', 'cloud', 'region', 'network', 'role'] as const) {
      if (dto[key] !== undefined) (patch as Record<string, unknown>)[key] = dto[key];
    }
    if (dto.credential) patch.credential = toCredentialRef(dto.credential);
    if (dto.logSource) patch.logSource = toLogSourceRef(dto.logSource);
    const next = { ...toEndpointView(current), ...patch };
    const needsCheck = CONNECTION_FIELDS.some((f) => f in patch);
    const check = needsCheck ? await this.checkOrThrow(next, force) : null;
    const saved = await this.store(() => this.endpoints.update(id, patch));
    if (!saved) throw notFound(id);
    this.announce(id, 'updated');
    return { endpoint: toEndpointView(saved), check };
  }

  async delete(id: string): Promise<void> {
    if (!isUuid(id) || !(await this.endpoints.delete(id))) throw notFound(id);
    this.announce(id, 'deleted');
  }

  private async checkOrThrow(fields: EndpointFields, force: boolean): Promise<EndpointCheckResult> {
    const check = await this.checker.check(fields);
    if (!check.ok && !force) {
      const cause = check.error as PgCause;
      const detail: ApiErrorDetail = {
        field: CAUSE_FIELD[cause.code] ?? 'host',
        code: cause.code,
        reason: cause.message,
        remedy: cause.remedy,
      };
      throw new DomainError('check-failed', `endpoint check failed: ${cause.message}`, [detail]);
    }
    return check;
  }

  private async store<T>(save: () => Promise<T>): Promise<T> {
    try {
      return await save();
    } catch (err) {
      if (err instanceof DuplicateEndpointNameError) {
        throw new DomainError('conflict', err.message, [
          { field: 'name', reason: 'name already taken', code: err.code },
        ]);
      }
      throw err;
    }
  }

  private announce(endpointId: string, change: 'created' | 'updated' | 'deleted'): void {
    const message: LiveMessage = { type: 'endpoint.changed', endpointId, change, at: new Date().toISOString() };
    this.bus.emit(EventPattern.EndpointChanged, message).subscribe({
      error: (err: unknown) => this.logger.warn(`could not publish endpoint.changed: ${String(err)}`),
    });
  }
}

function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

function notFound(id: string): DomainError {
  return new DomainError('not-found', `endpoint ${id} not found`, [{ field: 'id', reason: 'no such endpoint' }]);
}
