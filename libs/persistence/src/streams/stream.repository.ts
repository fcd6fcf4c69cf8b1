import { Injectable } from '@nestjs/common';
import { type EndpointStatus } from '@prm/contracts';
import { DataSource } from 'typeorm';

/** One row of `stream`: a subscription on a target endpoint and (when known) the endpoint it replicates from. */
export interface StreamRecord {
  id: string;
  targetEndpointId: string;
  subscriptionName: string;
  /** null when the publisher is not a known endpoint (or was deleted). */
  sourceEndpointId: string | null;
  publications: string[];
  slotName: string | null;
  origin: 'discovered' | 'provisioned';
  /** Paused through prm (ISO time, and who): set by a pause run, cleared by a resume or once seen enabled. */
  pausedAt: string | null;
  pausedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What discovery says about one subscription (input of {@link StreamRepository.upsertDiscovered}). */
export interface DiscoveredStream {
  subscriptionName: string;
  sourceEndpointId: string | null;
  publications: string[];
  slotName: string | null;
}

/** Result of {@link StreamRepository.syncDiscovered}. */
export interface StreamSync {
  /** The rows of the catalog's subscriptions, in catalog order. */
  stored: StreamRecord[];
  /** Ids of the target's streams deleted (their subscription vanished). */
  deleted: string[];
}

interface StreamRow {
  id: string;
  target_endpoint_id: string;
  subscription_name: string;
  source_endpoint_id: string | null;
  publications: string[];
  slot_name: string | null;
  origin: 'discovered' | 'provisioned';
  paused_at: Date | null;
  paused_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, target_endpoint_id, subscription_name, source_endpoint_id, publications, slot_name, origin,
  paused_at, paused_by, created_at, updated_at`;

function toRecord(r: StreamRow): StreamRecord {
  return {
    id: r.id,
    targetEndpointId: r.target_endpoint_id,
    subscriptionName: r.subscription_name,
    sourceEndpointId: r.source_endpoint_id,
    publications: r.publications,
    slotName: r.slot_name,
    origin: r.origin,
    pausedAt: r.paused_at?.toISOString() ?? null,
    pausedBy: r.paused_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Streams (table `stream`, unique per target endpoint and subscription name). */
@Injectable()
export class StreamRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts or refreshes the streams a subscriber's discovery found, in one statement. An existing row keeps its id
   * and origin (`provisioned` stays); source endpoint, publications and slot follow the catalog (the row, and its
   * `updated_at`, is rewritten only when one of them changed). A source endpoint id that is not (or no longer) an
   * endpoint is stored as null. Nothing is written when the target endpoint was deleted meanwhile.
   * @param streams one entry per subscription name (a repeated name keeps its first entry).
   * @returns the stored rows, in input order (none when the endpoint is gone).
   */
  async upsertDiscovered(targetEndpointId: string, streams: DiscoveredStream[]): Promise<StreamRecord[]> {
    if (streams.length === 0) return [];
    return (await this.writeDiscovered([{ targetEndpointId, streams }], false))[0].stored;
  }

  /**
   * A subscriber's streams brought in step with its catalog in one statement: {@link upsertDiscovered} for
   * `streams`, and the target's other streams deleted (cascading to status, samples and thresholds). Call only with a
   * fresh, reachable subscriber catalog. In steady state (catalog unchanged) nothing is written.
   * @returns `stored`: the rows of `streams`, in input order; `deleted`: ids of the streams removed.
   */
  async syncDiscovered(targetEndpointId: string, streams: DiscoveredStream[]): Promise<StreamSync> {
    return (await this.syncDiscoveredMany([{ targetEndpointId, streams }]))[0];
  }

  /**
   * {@link syncDiscovered} for many subscribers in one statement (the monitor's polls finishing together). A target
   * repeated in `catalogs` is synced once per occurrence, in order (one more statement per repetition).
   * @returns one result per catalog, in input order.
   */
  async syncDiscoveredMany(
    catalogs: { targetEndpointId: string; streams: DiscoveredStream[] }[],
  ): Promise<StreamSync[]> {
    return this.writeDiscovered(catalogs, true);
  }

  private async writeDiscovered(
    catalogs: { targetEndpointId: string; streams: DiscoveredStream[] }[],
    deleteOthers: boolean,
  ): Promise<StreamSync[]> {
    // One statement per round; a round holds each target at most once (ON CONFLICT may touch a row only once).
    const rounds: number[][] = [];
    const seen = new Map<string, number>();
    catalogs.forEach((c, i) => {
      const round = seen.get(c.targetEndpointId) ?? 0;
      seen.set(c.targetEndpointId, round + 1);
      (rounds[round] ??= []).push(i);
    });
    const out: StreamSync[] = catalogs.map(() => ({ stored: [], deleted: [] }));
    for (const round of rounds) {
      const byTarget = new Map(round.map((i) => [catalogs[i].targetEndpointId, i]));
      const order = new Map<string, number>();
      const input = round.flatMap((i) => {
        const target = catalogs[i].targetEndpointId;
        return catalogs[i].streams.flatMap((s) => {
          const key = `${target}\t${s.subscriptionName}`;
          if (order.has(key)) return [];
          order.set(key, order.size);
          return [
            {
              target_endpoint_id: target,
              subscription_name: s.subscriptionName,
              source_endpoint_id: s.sourceEndpointId,
              publications: s.publications,
              slot_name: s.slotName,
            },
          ];
        });
      });
      // The upsert skips unchanged rows (no new row version, no WAL); those are read from the statement's snapshot.
      // The DELETE touches only names absent from the input, so the two never meet the same row.
      const rows = (await this.dataSource.query(
        `WITH input AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(target_endpoint_id uuid, subscription_name text,
                                                             source_endpoint_id uuid, publications text[], slot_name text)
         ), upserted AS (
           INSERT INTO stream AS s (target_endpoint_id, subscription_name, source_endpoint_id, publications, slot_name)
           SELECT e.id, i.subscription_name, src.id, coalesce(i.publications, '{}'::text[]), i.slot_name
             FROM input i JOIN endpoint e ON e.id = i.target_endpoint_id
             LEFT JOIN endpoint src ON src.id = i.source_endpoint_id
           ON CONFLICT (target_endpoint_id, subscription_name) DO UPDATE
             SET source_endpoint_id = EXCLUDED.source_endpoint_id, publications = EXCLUDED.publications,
                 slot_name = EXCLUDED.slot_name, updated_at = now()
             WHERE (s.source_endpoint_id, s.publications, s.slot_name)
               IS DISTINCT FROM (EXCLUDED.source_endpoint_id, EXCLUDED.publications, EXCLUDED.slot_name)
           RETURNING ${COLUMNS}
         ), deleted AS (
           DELETE FROM stream d WHERE $3::boolean AND d.target_endpoint_id = ANY($2::uuid[])
             AND NOT EXISTS (SELECT 1 FROM input i WHERE i.target_endpoint_id = d.target_endpoint_id
                                                     AND i.subscription_name = d.subscription_name)
           RETURNING d.id, d.target_endpoint_id
         )
         SELECT ${COLUMNS}, NULL::uuid AS deleted_id FROM upserted
         UNION ALL
         SELECT ${COLUMNS}, NULL FROM stream k
          WHERE EXISTS (SELECT 1 FROM input i WHERE i.target_endpoint_id = k.target_endpoint_id
                                                AND i.subscription_name = k.subscription_name)
            AND NOT EXISTS (SELECT 1 FROM upserted u WHERE u.id = k.id)
         UNION ALL
         SELECT NULL, target_endpoint_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, id FROM deleted`,
        [JSON.stringify(input), [...byTarget.keys()], deleteOthers],
      )) as (StreamRow & { deleted_id: string | null })[];
      for (const r of rows) {
        const result = out[byTarget.get(r.target_endpoint_id)!];
        if (r.deleted_id !== null) result.deleted.push(r.deleted_id);
        else result.stored.push(toRecord(r));
      }
      for (const i of round) {
        const target = catalogs[i].targetEndpointId;
        const rank = (x: StreamRecord) => order.get(`${target}\t${x.subscriptionName}`)!;
        out[i].stored.sort((a, b) => rank(a) - rank(b));
      }
    }
    return out;
  }

  /**
   * Latest snapshots (`endpoint_status.status`) of the endpoints holding a logical slot named one of `slotNames`:
   * the candidates when a subscription's publisher must be found by slot name (conninfo not readable). Reads only
   * those rows, not every endpoint's snapshot.
   */
  async slotHolderStatuses(slotNames: string[]): Promise<EndpointStatus[]> {
    if (slotNames.length === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT es.status FROM endpoint_status es
        WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(es.status -> 'slots') sl
                       WHERE sl ->> 'slotType' = 'logical' AND sl ->> 'name' = ANY($1::text[]))`,
      [slotNames],
    )) as { status: EndpointStatus }[];
    return rows.map((r) => r.status);
  }

  /**
   * Deletes the target endpoint's streams whose subscription is no longer in its catalog (cascades to status,
   * samples and thresholds). Call only with a fresh, reachable subscriber catalog.
   * @param keep subscription names still present.
   * @returns ids of the deleted streams.
   */
  async deleteVanished(targetEndpointId: string, keep: string[]): Promise<string[]> {
    // TypeORM returns [rows, rowCount] for DELETE
    const [rows] = (await this.dataSource.query(
      `DELETE FROM stream WHERE target_endpoint_id = $1 AND NOT (subscription_name = ANY($2::text[])) RETURNING id`,
      [targetEndpointId, keep],
    )) as [{ id: string }[], number];
    return rows.map((r) => r.id);
  }

  /**
   * Records that prm paused the stream (`paused`: when, ISO 8601, and who as the audit log names them) or, with
   * null, that it resumed it; see {@link StreamRecord.pausedAt}. Written by the provisioning saga around
   * `ALTER SUBSCRIPTION ... DISABLE/ENABLE`.
   */
  async setPaused(streamId: string, paused: { at: string; by: string } | null): Promise<void> {
    await this.dataSource.query('UPDATE stream SET paused_at = $2, paused_by = $3 WHERE id = $1', [
      streamId,
      paused?.at ?? null,
      paused?.by ?? null,
    ]);
  }

  /** Forgets the pause of streams whose subscription was seen enabled (resumed outside prm). */
  async clearPaused(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query('UPDATE stream SET paused_at = NULL, paused_by = NULL WHERE id = ANY($1::uuid[])', [
      ids,
    ]);
  }

  /** Every stream, by target endpoint then subscription name. */
  async list(): Promise<StreamRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM stream ORDER BY target_endpoint_id, subscription_name`,
    )) as StreamRow[];
    return rows.map(toRecord);
  }

  /** Streams where `endpointId` is the subscriber (target) or the publisher (source). */
  async listTouching(endpointId: string): Promise<StreamRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM stream WHERE target_endpoint_id = $1 OR source_endpoint_id = $1
       ORDER BY target_endpoint_id, subscription_name`,
      [endpointId],
    )) as StreamRow[];
    return rows.map(toRecord);
  }

  /** One stream; null when unknown. */
  async get(id: string): Promise<StreamRecord | null> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM stream WHERE id = $1`, [id])) as StreamRow[];
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The streams of `ids` that exist, in no particular order (one statement). */
  async getMany(ids: string[]): Promise<StreamRecord[]> {
    if (ids.length === 0) return [];
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM stream WHERE id = ANY($1::uuid[])`, [
      ids,
    ])) as StreamRow[];
    return rows.map(toRecord);
  }

  /** The stream of subscription `subscriptionName` on `targetEndpointId`; null when unknown. */
  async findByTarget(targetEndpointId: string, subscriptionName: string): Promise<StreamRecord | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM stream WHERE target_endpoint_id = $1 AND subscription_name = $2`,
      [targetEndpointId, subscriptionName],
    )) as StreamRow[];
    return rows[0] ? toRecord(rows[0]) : null;
  }
}
