import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConfigPattern, CreateEndpointDto, type EndpointView, UpdateEndpointDto } from '@prm/contracts';
import type { SavedEndpoint } from '@prm/config-service';
import { ConfigClient } from './config.client.js';
import { RequireRole } from '@prm/observability';

/**
 * `/api/endpoints`: CRUD of endpoints, answered by the config service. Saving runs a live check; `?force=true`
 * stores an endpoint that is down today.
 */
@ApiTags('endpoints')
@Controller('api/endpoints')
export class EndpointsController {
  constructor(private readonly config: ConfigClient) {}

  @RequireRole('viewer')
  @Get()
  @ApiOperation({ summary: 'List endpoints' })
  list(): Promise<EndpointView[]> {
    return this.config.send(ConfigPattern.ListEndpoints, {});
  }

  @RequireRole('viewer')
  @Get(':id')
  get(@Param('id') id: string): Promise<EndpointView> {
    return this.config.send(ConfigPattern.GetEndpoint, { id });
  }

  @RequireRole('admin')
  @Post()
  @ApiOperation({ summary: 'Create an endpoint (live-checked unless force=true)' })
  async create(@Body() body: CreateEndpointDto, @Query('force') force?: string): Promise<EndpointView> {
    const saved = await this.config.send<SavedEndpoint>(ConfigPattern.CreateEndpoint, {
      body,
      force: force === 'true',
    });
    return saved.endpoint;
  }

  @RequireRole('admin')
  @Patch(':id')
  async update(
    @Param('id') id: string,
    @Body() body: UpdateEndpointDto,
    @Query('force') force?: string,
  ): Promise<EndpointView> {
    const saved = await this.config.send<SavedEndpoint>(ConfigPattern.UpdateEndpoint, {
      id,
      body,
      force: force === 'true',
    });
    return saved.endpoint;
  }

  @RequireRole('admin')
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.config.send(ConfigPattern.DeleteEndpoint, { id });
  }
}
