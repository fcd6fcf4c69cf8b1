import { Body, Controller, Get, Headers, HttpCode, Param, Post, Delete, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type CredentialFinding,
  type PreflightReport,
  ProvisioningPattern,
  type ProvisioningRunView,
  type SourceTableView,
} from '@prm/contracts';
import type { Response } from 'express';
import { ProvisioningClient } from './provisioning.client.js';
import { type AuditActor, actorOf } from '../audit/audit.interceptor.js';
import { RequireRole } from '@prm/observability';

type Submitted = { run: ProvisioningRunView; created: boolean };

/**
 * Stream provisioning routes (issue 4), answered by the provisioner: create (202 + the run; a repeated
 * `Idempotency-Key` returns the first run with 200), preflight, remove, pause, resume, credential rotation, run
 * status, the live table list of an endpoint and the plaintext-password findings. GET /api/streams belongs to the
 * streams controller.
 */
@ApiTags('provisioning')
@Controller()
export class ProvisioningController {
  constructor(private readonly provisioner: ProvisioningClient) {}

  private async reply(res: Response, p: Promise<Submitted>): Promise<ProvisioningRunView> {
    const { run, created } = await p;
    res.status(created ? 202 : 200);
    res.setHeader('Location', `/api/provisioning/runs/${run.id}`);
    return run;
  }

  @RequireRole('operator')
  @Post('api/streams')
  @ApiOperation({ summary: 'Create a stream (publication + subscription) through the provisioning saga' })
  create(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ProvisioningRunView> {
    return this.reply(
      res,
      this.provisioner.send(ProvisioningPattern.Submit, { kind: 'create', body, idempotencyKey: key ?? null }),
    );
  }

  @RequireRole('operator')
  @Post('api/streams/preflight')
  @HttpCode(200)
  @ApiOperation({ summary: 'Read-only preflight checklist of a create request' })
  preflight(@Body() body: unknown): Promise<PreflightReport> {
    return this.provisioner.send(ProvisioningPattern.Preflight, { body });
  }

  @RequireRole('operator')
  @Delete('api/streams/:id')
  @ApiOperation({
    summary: 'Remove a stream: drop the subscription, then its slot; ?dropPublication=true drops the publication',
  })
  remove(
    @Param('id') id: string,
    @Query('dropPublication') dropPublication: string | undefined,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ProvisioningRunView> {
    return this.reply(
      res,
      this.provisioner.send(ProvisioningPattern.Submit, {
        kind: 'remove',
        streamId: id,
        dropPublication: dropPublication === 'true',
        idempotencyKey: key ?? null,
      }),
    );
  }

  @RequireRole('operator')
  @Post('api/streams/:id/pause')
  pause(
    @Param('id') id: string,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: { user?: AuditActor },
    @Res({ passthrough: true }) res: Response,
  ): Promise<ProvisioningRunView> {
    return this.reply(
      res,
      this.provisioner.send(ProvisioningPattern.Submit, {
        kind: 'pause',
        streamId: id,
        idempotencyKey: key ?? null,
        actor: actorOf(req.user),
      }),
    );
  }

  @RequireRole('operator')
  @Post('api/streams/:id/resume')
  resume(
    @Param('id') id: string,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: { user?: AuditActor },
    @Res({ passthrough: true }) res: Response,
  ): Promise<ProvisioningRunView> {
    return this.reply(
      res,
      this.provisioner.send(ProvisioningPattern.Submit, {
        kind: 'resume',
        streamId: id,
        idempotencyKey: key ?? null,
        actor: actorOf(req.user),
      }),
    );
  }

  @RequireRole('admin')
  @Post('api/streams/:id/rotate-credentials')
  @ApiOperation({
    summary: 'ALTER SUBSCRIPTION ... CONNECTION with the current replication secret, verified by reconnect',
  })
  rotate(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ProvisioningRunView> {
    return this.reply(
      res,
      this.provisioner.send(ProvisioningPattern.Submit, {
        kind: 'rotate-credentials',
        streamId: id,
        body: body ?? {},
        idempotencyKey: key ?? null,
      }),
    );
  }

  @RequireRole('viewer')
  @Get('api/provisioning/runs/:id')
  run(@Param('id') id: string): Promise<ProvisioningRunView> {
    return this.provisioner.send(ProvisioningPattern.GetRun, { id });
  }

  @RequireRole('viewer')
  @Get('api/provisioning/credential-findings')
  @ApiOperation({ summary: 'Subscriptions whose stored conninfo carries a plaintext password' })
  findings(): Promise<CredentialFinding[]> {
    return this.provisioner.send(ProvisioningPattern.CredentialFindings, {});
  }

  @RequireRole('viewer')
  @Get('api/endpoints/:id/tables')
  @ApiOperation({ summary: 'Tables of an endpoint, read live: size, primary key, replica identity' })
  tables(@Param('id') id: string): Promise<SourceTableView[]> {
    return this.provisioner.send(ProvisioningPattern.ListTables, { endpointId: id });
  }
}
