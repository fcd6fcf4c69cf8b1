import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiBody, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConfigPattern, type LagThresholds, LagThresholdsDto } from '@prm/contracts';
import type { EffectiveThresholds } from '@prm/persistence';
import { ConfigClient } from '../endpoints/config.client.js';
import { RequireRole } from '@prm/observability';

type ApiBodySchema = Extract<Parameters<typeof ApiBody>[0], { schema: unknown }>['schema'];

/** OpenAPI schema of LagThresholds (the swagger package does not export its SchemaObject type at the root). */
const THRESHOLDS_SCHEMA: ApiBodySchema = {
  type: 'object',
  required: ['warningBytes', 'criticalBytes', 'warningSeconds', 'criticalSeconds'],
  properties: {
    warningBytes: { type: 'integer', minimum: 0, nullable: true, description: 'bytes of lag; null = not set' },
    criticalBytes: { type: 'integer', minimum: 0, nullable: true, description: 'bytes of lag; null = not set' },
    warningSeconds: { type: 'number', minimum: 0, nullable: true, description: 'seconds of lag; null = not set' },
    criticalSeconds: { type: 'number', minimum: 0, nullable: true, description: 'seconds of lag; null = not set' },
  },
};
const VALIDATION =
  '400 with field details when a value is not a number ≥ 0 (bytes whole) or null, or a warning exceeds its critical.';

/**
 * Lag thresholds (bytes, seconds), answered by the config service: `/api/thresholds` (global defaults) and
 * `/api/streams/:id/thresholds` (a stream's own override; DELETE reverts to the global defaults).
 */
@ApiTags('thresholds')
@Controller('api')
export class ThresholdsController {
  constructor(private readonly config: ConfigClient) {}

  @RequireRole('viewer')
  @Get('thresholds')
  @ApiOperation({ summary: 'Global lag thresholds (bytes, seconds; null = not set)' })
  @ApiOkResponse({ schema: THRESHOLDS_SCHEMA })
  getGlobal(): Promise<LagThresholds> {
    return this.config.send(ConfigPattern.GetGlobalThresholds, {});
  }

  @RequireRole('admin')
  @Put('thresholds')
  @ApiOperation({ summary: 'Replace the global lag thresholds', description: VALIDATION })
  @ApiBody({ schema: THRESHOLDS_SCHEMA })
  @ApiOkResponse({ schema: THRESHOLDS_SCHEMA })
  putGlobal(@Body() body: LagThresholdsDto): Promise<LagThresholds> {
    return this.config.send(ConfigPattern.PutGlobalThresholds, { body });
  }

  @RequireRole('viewer')
  @Get('streams/:id/thresholds')
  @ApiOperation({ summary: "The stream's effective thresholds and whether they are its own (overridden)" })
  @ApiOkResponse({ description: '{ thresholds: LagThresholds (bytes, seconds), overridden: boolean }' })
  @ApiNotFoundResponse({ description: 'unknown stream id' })
  getStream(@Param('id') id: string): Promise<EffectiveThresholds> {
    return this.config.send(ConfigPattern.GetStreamThresholds, { id });
  }

  @RequireRole('admin')
  @Put('streams/:id/thresholds')
  @ApiOperation({
    summary: 'Give the stream its own thresholds (replaces the global ones for it)',
    description: VALIDATION,
  })
  @ApiBody({ schema: THRESHOLDS_SCHEMA })
  @ApiOkResponse({ description: '{ thresholds, overridden: true }' })
  @ApiNotFoundResponse({ description: 'unknown stream id' })
  putStream(@Param('id') id: string, @Body() body: LagThresholdsDto): Promise<EffectiveThresholds> {
    return this.config.send(ConfigPattern.PutStreamThresholds, { id, body });
  }

  @RequireRole('admin')
  @Delete('streams/:id/thresholds')
  @ApiOperation({ summary: "Drop the stream's own thresholds: the global defaults apply again" })
  @ApiOkResponse({ description: '{ thresholds: the global defaults, overridden: false }' })
  @ApiNotFoundResponse({ description: 'unknown stream id' })
  deleteStream(@Param('id') id: string): Promise<EffectiveThresholds> {
    return this.config.send(ConfigPattern.DeleteStreamThresholds, { id });
  }
}
