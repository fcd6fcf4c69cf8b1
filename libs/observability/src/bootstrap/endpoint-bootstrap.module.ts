import { SSMClient } from '@aws-sdk/client-ssm';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type Provider, type Type } from '@nestjs/common';
import { IsOptional, IsString, Matches } from 'class-validator';
import {
  type EndpointBootstrapTarget,
  type EndpointSpec,
  applyEndpointBootstrap,
  loadBootstrapFile,
  loadBootstrapSsm,
} from './endpoint-bootstrap.js';

/** Optional endpoint bootstrap of the config service (validated at start; see README "Configuration"). */
export class BootstrapEnv {
  /** YAML file with `endpoints:` (bodies of `POST /api/endpoints`), applied at config-service start. */
  @IsOptional()
  @IsString()
  PRM_BOOTSTRAP_FILE?: string;

  /** SSM Parameter Store path (e.g. `/prm/endpoints`): each parameter below it is one endpoint (YAML/JSON). */
  @IsOptional()
  @Matches(/^\/[\w.\-/]*$/, { message: 'must be an SSM path starting with /' })
  PRM_BOOTSTRAP_SSM_PATH?: string;
}

/** Settings of {@link EndpointBootstrapModule}. */
export interface EndpointBootstrapSettings {
  file?: string;
  ssmPath?: string;
  region?: string;
  /** AWS endpoint override (`PRM_AWS_ENDPOINT`). */
  awsEndpoint?: string;
}

const SETTINGS = Symbol('ENDPOINT_BOOTSTRAP_SETTINGS');
/** Injection token of the {@link EndpointBootstrapTarget} (the config service's `EndpointsService`). */
export const ENDPOINT_BOOTSTRAP_TARGET = Symbol('ENDPOINT_BOOTSTRAP_TARGET');
/** Injection token of the SSM client (replaceable in tests). */
export const BOOTSTRAP_SSM_CLIENT = Symbol('BOOTSTRAP_SSM_CLIENT');

/**
 * At application bootstrap, reads the YAML file then the SSM path (both optional; SSM wins a duplicate name) and
 * applies them with {@link applyEndpointBootstrap}. A bad source fails start-up with a message naming it.
 */
@Injectable()
export class EndpointBootstrapRunner implements OnApplicationBootstrap {
  private readonly logger = new Logger('EndpointBootstrap');

  constructor(
    @Inject(SETTINGS) private readonly settings: EndpointBootstrapSettings,
    @Inject(ENDPOINT_BOOTSTRAP_TARGET) private readonly target: EndpointBootstrapTarget,
    @Inject(BOOTSTRAP_SSM_CLIENT) private readonly ssm: () => Pick<SSMClient, 'send'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { file, ssmPath } = this.settings;
    if (!file && !ssmPath) return;
    const specs: EndpointSpec[] = [];
    if (file) specs.push(...(await loadBootstrapFile(file)));
    if (ssmPath) specs.push(...(await loadBootstrapSsm(this.ssm(), ssmPath)));
    const byName = new Map(specs.map((s) => [s.name, s]));
    const outcome = await applyEndpointBootstrap([...byName.values()], this.target);
    this.logger.log(
      `endpoints bootstrapped from ${[file && `file ${file}`, ssmPath && `SSM ${ssmPath}`].filter(Boolean).join(' and ')}: ` +
        `created [${outcome.created.join(', ')}], updated [${outcome.updated.join(', ')}], ` +
        `unchanged [${outcome.unchanged.join(', ')}]`,
    );
  }
}

/**
 * Providers of {@link EndpointBootstrapRunner} for the composing module, which must also see `target` (the config
 * service's `EndpointsService`, exported by ConfigServiceModule).
 */
export function endpointBootstrapProviders(
  settings: EndpointBootstrapSettings,
  target: Type<EndpointBootstrapTarget>,
): Provider[] {
  return [
    { provide: SETTINGS, useValue: settings },
    { provide: ENDPOINT_BOOTSTRAP_TARGET, useExisting: target },
    {
      provide: BOOTSTRAP_SSM_CLIENT,
      useValue: () =>
        new SSMClient({
          ...(settings.region ? { region: settings.region } : {}),
          ...(settings.awsEndpoint ? { endpoint: settings.awsEndpoint } : {}),
        }),
    },
    EndpointBootstrapRunner,
  ];
}
