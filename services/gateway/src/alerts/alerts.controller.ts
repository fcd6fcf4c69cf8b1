import { BullModule } from '@nestjs/bullmq';
import { Body, Controller, Delete, Get, HttpCode, Module, Param, Patch, Post, Query, Req } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  ALERT_KINDS,
  ALERT_STATES,
  AckAlertDto,
  type AlertDetailView,
  type AlertView,
  type ChannelView,
  CreateChannelDto,
  CreateSilenceDto,
  QueueName,
  type SilenceView,
  UpdateChannelDto,
} from '@prm/contracts';
import { AlertsService, type ChannelTestView } from './alerts.service.js';
import { RequireRole } from '@prm/observability';

/** `/api/alerts`: alerts (firing, pending, resolved history) and acknowledgement. */
@ApiTags('alerts')
@Controller('api/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @RequireRole('viewer')
  @Get()
  @ApiOperation({
    summary: 'Alerts: firing first, then pending, then resolved (history), newest first',
    description:
      'Each alert has a summary, facts (values with units), remediation steps with exact commands, and the endpoints/streams it marks.',
  })
  @ApiQuery({ name: 'state', required: false, enum: ALERT_STATES })
  @ApiQuery({ name: 'kind', required: false, enum: ALERT_KINDS })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, default 200' })
  @ApiOkResponse({ description: 'AlertView[]' })
  list(
    @Query('state') state?: string,
    @Query('kind') kind?: string,
    @Query('limit') limit?: string,
  ): Promise<AlertView[]> {
    return this.alerts.list({ state, kind, limit });
  }

  @RequireRole('viewer')
  @Get(':id')
  @ApiOperation({ summary: 'One alert with its notification deliveries (status, attempts, last error)' })
  @ApiOkResponse({ description: 'AlertDetailView' })
  @ApiNotFoundResponse({ description: 'unknown alert id' })
  get(@Param('id') id: string): Promise<AlertDetailView> {
    return this.alerts.get(id);
  }

  @RequireRole('operator')
  @Post(':id/ack')
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledge an alert (it stays firing until its condition clears, but leaves the badge)' })
  @ApiOkResponse({ description: 'AlertView' })
  @ApiNotFoundResponse({ description: 'unknown alert id' })
  ack(@Param('id') id: string, @Body() body: AckAlertDto, @Req() req: { user?: { name: string } }): Promise<AlertView> {
    // the signed-in user acknowledges: a `by` in the body cannot impersonate someone else
    return this.alerts.acknowledge(id, { ...body, by: req.user?.name ?? body.by });
  }
}

/** `/api/silences`: no notifications for matching alerts until a time. */
@ApiTags('alerts')
@Controller('api/silences')
export class SilencesController {
  constructor(private readonly alerts: AlertsService) {}

  @RequireRole('viewer')
  @Get()
  @ApiOperation({ summary: 'Active silences' })
  @ApiOkResponse({ description: 'SilenceView[]' })
  list(): Promise<SilenceView[]> {
    return this.alerts.listSilences();
  }

  @RequireRole('operator')
  @Post()
  @ApiOperation({
    summary: 'Silence an alert (alertId) or every alert of a kind and/or subject, until a time or for N minutes',
    description: '400 when there is no matcher, no end, or the end is in the past.',
  })
  @ApiCreatedResponse({ description: 'SilenceView' })
  create(@Body() body: CreateSilenceDto, @Req() req: { user?: { name: string } }): Promise<SilenceView> {
    return this.alerts.createSilence({ ...body, createdBy: req.user?.name ?? body.createdBy });
  }

  @RequireRole('operator')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End a silence now' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'unknown silence id' })
  delete(@Param('id') id: string): Promise<void> {
    return this.alerts.deleteSilence(id);
  }
}

const CHANNEL_DOC =
  'config per kind: webhook { url, secret?: SecretRef } (signed X-Prm-Signature: sha256=<HMAC of "<X-Prm-Timestamp>.<body>">); ' +
  'slack { url } (shown masked); sns { topicArn }; email { host, port, secure, user?, password?: SecretRef, from, to[] }. ' +
  'SecretRef = { kind: "env", name } | { kind: "aws-secret", secretArn, field? }: secrets are referenced, never stored.';

/** `/api/channels`: notification channels. */
@ApiTags('alerts')
@Controller('api/channels')
export class ChannelsController {
  constructor(private readonly alerts: AlertsService) {}

  @RequireRole('viewer')
  @Get()
  @ApiOperation({ summary: 'Notification channels', description: CHANNEL_DOC })
  @ApiOkResponse({ description: 'ChannelView[]' })
  list(): Promise<ChannelView[]> {
    return this.alerts.listChannels();
  }

  @RequireRole('admin')
  @Post()
  @ApiOperation({ summary: 'Add a channel', description: CHANNEL_DOC })
  @ApiCreatedResponse({ description: 'ChannelView' })
  @ApiConflictResponse({ description: 'name taken' })
  create(@Body() body: CreateChannelDto): Promise<ChannelView> {
    return this.alerts.createChannel(body);
  }

  @RequireRole('admin')
  @Patch(':id')
  @ApiOperation({
    summary: 'Rename, enable/disable or reconfigure a channel (its kind is fixed)',
    description: CHANNEL_DOC,
  })
  @ApiOkResponse({ description: 'ChannelView' })
  @ApiNotFoundResponse({ description: 'unknown channel id' })
  update(@Param('id') id: string, @Body() body: UpdateChannelDto): Promise<ChannelView> {
    return this.alerts.updateChannel(id, body);
  }

  @RequireRole('admin')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a channel and its delivery history' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'unknown channel id' })
  delete(@Param('id') id: string): Promise<void> {
    return this.alerts.deleteChannel(id);
  }

  @RequireRole('admin')
  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a test notification through the alerter and report the outcome',
    description: '{ ok, error, durationMs }; 503 when no alerter answers within 20 s.',
  })
  @ApiOkResponse({ description: 'ChannelTestView' })
  @ApiNotFoundResponse({ description: 'unknown channel id' })
  test(@Param('id') id: string): Promise<ChannelTestView> {
    return this.alerts.testChannel(id);
  }
}

/** The gateway's alerting routes (needs PersistenceModule and MessagingModule from the app). */
@Module({
  imports: [BullModule.registerQueue({ name: QueueName.Notifications })],
  controllers: [AlertsController, SilencesController, ChannelsController],
  providers: [AlertsService],
})
export class GatewayAlertsModule {}
