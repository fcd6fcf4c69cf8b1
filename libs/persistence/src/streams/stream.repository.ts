import { Injectable } from '@nestjs/common';
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

interface StreamRow {
  id: string;
  target_endpoint_id: string;
  subscription_name: string;
  source_endpoint_id: string | null;
  publications: string[];
  slot_name: string | null;
  origin: 'discovered' | 'provisioned';
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, target_endpoint_id, subscription_name, source_endpoint_id, publications, slot_name, origin,
  created_at, updated_at`;

function toRecord(r: StreamRow): StreamRecord {
  return {
    id: r.id,
    targetEndpointId: r.target_endpoint_id,
    subscriptionName: r.subscription_name,
    sourceEndpointId: r.source_endpoint_id,
    publications: r.publications,
    slotName: r.slot_name,
    origin: r.origin,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Streams (table `stream`, unique per target endpoint and subscription name). */
@Injectable()
export class StreamRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts or refreshes the streams a subscriber's discovery found. An existing row keeps its id and origin
   * (`provisioned` stays); source endpoint, publications and slot follow the catalog (`updated_at` moves only when
   * one changed). Nothing is written when the target endpoint was deleted meanwhile.
   * @returns the stored rows, in input order (missing ones when the endpoint is gone).
   */
  async upsertDiscovered(targetEndpointId: string, streams: DiscoveredStream[]): Promise<StreamRecord[]> {
    const out: StreamRecord[] = [];
    for (const s of streams) {
      const rows = (await this.dataSource.query(
        `INSERT INTO stream (target_endpoint_id, subscription_name, source_endpoint_id, publications, slot_name)
         SELECT e.id, $2, (SELECT id FROM endpoint WHERE id = $3), $4::text[], $5 FROM endpoint e WHERE e.id = $1
         ON CONFLICT (target_endpoint_id, subscription_name) DO UPDATE
           SET source_endpoint_id = EXCLUDED.source_endpoint_id, publications = EXCLUDED.publications,
               slot_name = EXCLUDED.slot_name,
               updated_at = CASE WHEN (stream.source_endpoint_id, stream.publications, stream.slot_name)
                 IS DISTINCT FROM (EXCLUDED.source_endpoint_id, EXCLUDED.publications, EXCLUDED.slot_name)
                 THEN now() ELSE stream.updated_at END
         RETURNING ${COLUMNS}`,
        [targetEndpointId, s.subscriptionName, s.sourceEndpointId, s.publications, s.slotName],
      )) as StreamRow[];
      if (rows[0]) out.push(toRecord(rows[0]));
    }
    return out;
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

  /** The stream of subscription `subscriptionName` on `targetEndpointId`; null when unknown. */
  async findByTarget(targetEndpointId: string, subscriptionName: string): Promise<StreamRecord | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM stream WHERE target_endpoint_id = $1 AND subscription_name = $2`,
      [targetEndpointId, subscriptionName],
    )) as StreamRow[];
    return rows[0] ? toRecord(rows[0]) : null;
  }
}
