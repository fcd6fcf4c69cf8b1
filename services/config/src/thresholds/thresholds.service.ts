import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  DomainError,
  EventPattern,
  type LagThresholds,
  LagThresholdsDto,
  type LiveMessage,
  toLagThresholds,
  validatePayload,
} from '@prm/contracts';
import { PRM_BUS } from '@prm/messaging';
import { type EffectiveThresholds, StreamRepository, ThresholdRepository } from '@prm/persistence';

export type { EffectiveThresholds };

/**
 * Lag thresholds (bytes, seconds): the global defaults and per-stream overrides, stored in table `threshold`
 * through {@link ThresholdRepository}. A per-stream row replaces the global one as a whole. Every change emits
 * `stream.updated` naming the streams whose effective thresholds changed, so consoles refetch their levels.
 * Throws `DomainError`: validation-failed (field details: negative, not a number, warning > critical), not-found
 * (unknown stream id).
 */
@Injectable()
export class ThresholdsService {
  private readonly logger = new Logger(ThresholdsService.name);

  constructor(
    private readonly thresholds: ThresholdRepository,
    private readonly streams: StreamRepository,
    @Inject(PRM_BUS) private readonly bus: ClientProxy,
  ) {}

  getGlobal(): Promise<LagThresholds> {
    return this.thresholds.getGlobal();
  }

  /** Replaces the global defaults; every stream without its own thresholds is announced. */
  async putGlobal(body: unknown): Promise<LagThresholds> {
    const next = toLagThresholds(validatePayload(LagThresholdsDto, body));
    const saved = await this.thresholds.putGlobal(next);
    const ids = (await this.streams.list()).map((s) => s.id);
    const effective = await this.thresholds.effectiveMany(ids);
    this.announce(ids.filter((id) => !effective.get(id)?.overridden));
    return saved;
  }

  /** The thresholds that apply to the stream and whether they are its own. */
  async getStream(id: string): Promise<EffectiveThresholds> {
    await this.requireStream(id);
    return this.thresholds.effective(id);
  }

  /** Gives the stream its own thresholds. */
  async putStream(id: string, body: unknown): Promise<EffectiveThresholds> {
    const next = toLagThresholds(validatePayload(LagThresholdsDto, body));
    await this.requireStream(id);
    if (!(await this.thresholds.putForStream(id, next))) throw notFound(id);
    this.announce([id]);
    return this.thresholds.effective(id);
  }

  /** Drops the stream's own thresholds: the global defaults apply again (idempotent). */
  async deleteStream(id: string): Promise<EffectiveThresholds> {
    await this.requireStream(id);
    if (await this.thresholds.deleteForStream(id)) this.announce([id]);
    return this.thresholds.effective(id);
  }

  private async requireStream(id: string): Promise<void> {
    if (!isUuid(id) || !(await this.streams.get(id))) throw notFound(id);
  }

  private announce(streamIds: string[]): void {
    if (streamIds.length === 0) return;
    const message: LiveMessage = { type: 'stream.updated', streamIds, at: new Date().toISOString() };
    this.bus.emit(EventPattern.StreamUpdated, message).subscribe({
      error: (err: unknown) => this.logger.warn(`could not publish stream.updated: ${String(err)}`),
    });
  }
}

function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

function notFound(id: string): DomainError {
  return new DomainError('not-found', `stream ${id} not found`, [{ field: 'id', reason: 'no such stream' }]);
}
