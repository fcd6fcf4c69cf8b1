import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Queryable } from './alert.repository.js';

/** One retained-WAL sample of a slot: prm time (ISO) and `pg_current_wal_lsn() − restart_lsn` in bytes. */
export interface SlotSample {
  at: string;
  retainedBytes: number;
}

/** Retained WAL per logical slot over time (table `alert_slot_sample`), the input of the slot forecast. */
@Injectable()
export class SlotSampleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores one sample per slot of endpoint `endpointId` at `at` (a repeated snapshot is ignored). */
  async insert(
    q: Queryable,
    endpointId: string,
    at: string,
    slots: { name: string; retainedBytes: number }[],
  ): Promise<void> {
    if (slots.length === 0) return;
    await q.query(
      `INSERT INTO alert_slot_sample (endpoint_id, slot_name, sampled_at, retained_bytes)
       SELECT $1, s, $2, b FROM unnest($3::text[], $4::bigint[]) AS u(s, b)
       WHERE EXISTS (SELECT 1 FROM endpoint WHERE id = $1)
       ON CONFLICT DO NOTHING`,
      [endpointId, at, slots.map((s) => s.name), slots.map((s) => s.retainedBytes)],
    );
  }

  /** Samples of each slot of `endpointId` since `since` (ISO), oldest first, by slot name. */
  async since(q: Queryable, endpointId: string, since: string): Promise<Map<string, SlotSample[]>> {
    const rows = (await q.query(
      `SELECT slot_name, sampled_at, retained_bytes::float8 AS retained_bytes FROM alert_slot_sample
       WHERE endpoint_id = $1 AND sampled_at >= $2 ORDER BY slot_name, sampled_at`,
      [endpointId, since],
    )) as { slot_name: string; sampled_at: Date; retained_bytes: number }[];
    const out = new Map<string, SlotSample[]>();
    for (const r of rows) {
      const list = out.get(r.slot_name) ?? [];
      list.push({ at: r.sampled_at.toISOString(), retainedBytes: r.retained_bytes });
      out.set(r.slot_name, list);
    }
    return out;
  }

  /** Deletes samples older than `before` (ISO); returns how many. */
  async purge(before: string): Promise<number> {
    const r = (await this.dataSource.query('DELETE FROM alert_slot_sample WHERE sampled_at < $1', [before])) as [
      unknown,
      number,
    ];
    return r[1];
  }
}
