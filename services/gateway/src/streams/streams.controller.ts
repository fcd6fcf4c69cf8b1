import { Controller, Get, Param, Query, type StreamableFile } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { StreamDetailView, StreamMetricsView } from '@prm/contracts';
import { jsonBody } from '../topology/json-body.js';
import { StreamsService } from './streams.service.js';
import { RequireRole } from '@prm/observability';

const UNITS =
  'Units: lag.bytes, slotDetail.retainedBytes, tables[].sizeBytes and backfill.rateBytesPerSecond (bytes/s) in bytes; ' +
  'lag.seconds, lag.write/flush/replayLagSeconds, backfill.etaSeconds and tables[].etaSeconds in seconds; ' +
  'backfill.percent in percent (0-100, weighted by table size); tables[].progress as a 0-1 fraction; ' +
  'thresholds in bytes and seconds (null = not set); times ISO 8601 (errors[].at is the server log timestamp).';

/** `/api/streams`: stream status, detail and lag/backfill time series (read from the monitor's tables). */
@ApiTags('streams')
@Controller('api/streams')
export class StreamsController {
  constructor(private readonly streams: StreamsService) {}

  @RequireRole('viewer')
  @Get()
  @ApiOperation({
    summary: 'Every stream: state, lag (bytes, seconds), threshold level, backfill progress and ETA, last error',
    description: UNITS,
  })
  @ApiOkResponse({ description: `StreamView[]. ${UNITS}` })
  list(): Promise<StreamableFile> {
    // StreamView[], serialized once per version of the read model and of the thresholds / newest errors
    return this.streams.listBody().then(jsonBody);
  }

  @RequireRole('viewer')
  @Get(':id')
  @ApiOperation({
    summary: 'One stream: publication, subscription, slot, per-table sync state, newest 100 replication errors',
    description: UNITS,
  })
  @ApiOkResponse({ description: `StreamDetailView. ${UNITS}` })
  @ApiNotFoundResponse({ description: 'unknown stream id' })
  get(@Param('id') id: string): Promise<StreamDetailView> {
    return this.streams.get(id);
  }

  @RequireRole('viewer')
  @Get(':id/metrics')
  @ApiOperation({
    summary: 'Lag and backfill time series, bucketed (max per bucket), at most 500 points',
    description:
      'points[].lagBytes in bytes, points[].lagSeconds in seconds, points[].backfillPercent in percent (0-100); ' +
      'step in seconds. 400 with field details for an unparsable time, from after to, a bad step or > 500 points.',
  })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601 time with zone; default to − 1 hour' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601 time with zone; default now' })
  @ApiQuery({
    name: 'step',
    required: false,
    description:
      'bucket width, whole seconds ≥ 1; default the smallest of 1, 2, 5, 10, 15, 30, 60 … s giving ≤ 500 points',
  })
  @ApiOkResponse({ description: 'StreamMetricsView' })
  @ApiNotFoundResponse({ description: 'unknown stream id' })
  metrics(
    @Param('id') id: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('step') step?: string,
  ): Promise<StreamMetricsView> {
    return this.streams.metrics(id, { from, to, step });
  }
}
