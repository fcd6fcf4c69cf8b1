import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A stream paused through prm (`POST /api/streams/:id/pause`): when and by whom. While set and the subscription is
 * disabled, the stream is "paused" (no stream-down alert: nobody needs paging for a pause they asked for); a resume
 * through prm clears it, and so does the monitor when it sees the subscription enabled again by other means.
 */
export class StreamPause1765100000000 implements MigrationInterface {
  name = 'StreamPause1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE stream ADD COLUMN paused_at timestamptz, ADD COLUMN paused_by text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE stream DROP COLUMN paused_by, DROP COLUMN paused_at');
  }
}
