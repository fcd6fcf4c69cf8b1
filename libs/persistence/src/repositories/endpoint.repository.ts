import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, type Repository } from 'typeorm';
import type { EndpointView, LogSourceRef } from '@prm/contracts';
import { EndpointEntity } from '../entities/endpoint.entity.js';

/** Thrown when an endpoint name is already taken (unique constraint `endpoint_name_key`). */
export class DuplicateEndpointNameError extends Error {
  readonly code = 'endpoint-name-taken';
  constructor(readonly endpointName: string) {
    super(`an endpoint named "${endpointName}" already exists`);
  }
}

/**
 * Fields an endpoint is created with (id and timestamps are assigned by the store). `logSource` defaults to
 * `{ kind: 'none' }` (column default).
 */
export type EndpointFields = Omit<EndpointView, 'id' | 'createdAt' | 'updatedAt' | 'logSource'> & {
  logSource?: LogSourceRef;
};

/** Maps a stored endpoint to its API shape (dates as ISO strings). */
export function toEndpointView(e: EndpointEntity): EndpointView {
  return {
    id: e.id,
    name: e.name,
    host: e.host,
    port: e.port,
    dbname: e.dbname,
    sslmode: e.sslmode,
    cloud: e.cloud,
    region: e.region,
    network: e.network,
    role: e.role,
    credential: e.credential,
    logSource: e.logSource ?? { kind: 'none' },
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505';
}

/** Endpoints in prm's metadata store (table `endpoint`). */
@Injectable()
export class EndpointRepository {
  private readonly repo: Repository<EndpointEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(EndpointEntity);
  }

  /** Every endpoint, ordered by name. */
  findAll(): Promise<EndpointEntity[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  findById(id: string): Promise<EndpointEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Throws {@link DuplicateEndpointNameError} when the name is taken. */
  async insert(fields: EndpointFields): Promise<EndpointEntity> {
    try {
      return await this.repo.save(this.repo.create(fields));
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateEndpointNameError(fields.name);
      throw err;
    }
  }

  /** Applies `patch` to endpoint `id`; null when it does not exist. Throws {@link DuplicateEndpointNameError}. */
  async update(id: string, patch: Partial<EndpointFields>): Promise<EndpointEntity | null> {
    const current = await this.findById(id);
    if (!current) return null;
    try {
      return await this.repo.save(this.repo.merge(current, patch));
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateEndpointNameError(patch.name ?? current.name);
      throw err;
    }
  }

  /** Deletes endpoint `id` (its status rows go with it); false when it did not exist. */
  async delete(id: string): Promise<boolean> {
    const result = await this.repo.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
