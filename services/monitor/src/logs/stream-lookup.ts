import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Finds the stream a replication error belongs to. */
export interface StreamLookup {
  /** Stream whose subscription `subscriptionName` lives on endpoint `endpointId` (the target); null if unknown. */
  findStreamId(endpointId: string, subscriptionName: string): Promise<string | null>;
  /** Stream whose slot `slotName` lives on endpoint `endpointId` (the source; walsender errors); null if unknown. */
  findStreamIdBySlot(endpointId: string, slotName: string): Promise<string | null>;
}

/** Injection token of {@link StreamLookup}. */
export const STREAM_LOOKUP = Symbol('STREAM_LOOKUP');

/** SQLSTATE 42P01 undefined_table, 42703 undefined_column: the `stream` table is not there (yet). */
const MISSING = new Set(['42P01', '42703']);

/**
 * {@link StreamLookup} on table `stream (id, target_endpoint_id, subscription_name, source_endpoint_id, slot_name)`
 * with parameterized SQL; null when the table does not exist.
 */
@Injectable()
export class SqlStreamLookup implements StreamLookup {
  constructor(private readonly dataSource: DataSource) {}

  findStreamId(endpointId: string, subscriptionName: string): Promise<string | null> {
    return this.one('SELECT id FROM stream WHERE target_endpoint_id = $1 AND subscription_name = $2', [
      endpointId,
      subscriptionName,
    ]);
  }

  findStreamIdBySlot(endpointId: string, slotName: string): Promise<string | null> {
    return this.one(
      `SELECT id FROM stream WHERE source_endpoint_id = $1 AND coalesce(slot_name, subscription_name) = $2
        ORDER BY created_at LIMIT 1`,
      [endpointId, slotName],
    );
  }

  private async one(sql: string, params: unknown[]): Promise<string | null> {
    try {
      const [row] = (await this.dataSource.query(sql, params)) as { id: string }[];
      return row?.id ?? null;
    } catch (err) {
      const code = (err as { driverError?: { code?: string }; code?: string }).driverError?.code;
      if (code && MISSING.has(code)) return null;
      throw err;
    }
  }
}
