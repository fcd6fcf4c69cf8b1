import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parsePrmConfig, type PrmConfig } from '../cdk/lib/config.js';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PrmStack, QUEUE_DEPTH_METRIC, RDS_CA_BUNDLE_PATH } from '../cdk/lib/prm-stack.js';
import {
  type CfnTemplate,
  cfnText,
  exampleConfig,
  ssmGrantsBeyondPath,
  wildcardResourceStatements,
} from './cdk-helpers.js';

// One synth per configuration (synth takes seconds): the example config (existing VPC, explicit secret ARNs, ECR
// image) and a variant (new VPC, tag-based secret access, public image, no RDS IAM users or log instances).

function synth(config: PrmConfig): { template: Template; json: CfnTemplate; stack: PrmStack } {
  const app = new App();
  const stack = new PrmStack(app, 'PrmTest', { env: { account: '111111111111', region: 'eu-west-1' }, config });
  const template = Template.fromStack(stack);
  return { template, json: template.toJSON() as CfnTemplate, stack };
}

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

/** Statements of the inline policies attached to the task role of `service` (resolved by the role's logical id). */
function roleStatements(json: CfnTemplate, stack: PrmStack, service: keyof PrmStack['services']): Statement[] {
  const roleId = stack.getLogicalId(stack.services[service].taskRole.node.defaultChild as never);
  return Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]): string[] => statements.flatMap((s) => [s.Action].flat());

/** Environment of the service's container, name → value (CloudFormation values as in the template). */
function containerEnv(json: CfnTemplate, stack: PrmStack, svc: keyof PrmStack['services']): Record<string, unknown> {
  const id = stack.getLogicalId(stack.services[svc].service.taskDefinition.node.defaultChild as never);
  const defs = json.Resources[id]!.Properties.ContainerDefinitions as {
    Environment: { Name: string; Value: unknown }[];
  }[];
  return Object.fromEntries(defs[0]!.Environment.map((e) => [e.Name, e.Value]));
}

const SSM_ARN = 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/prm/endpoints';

describe('PrmStack (example config: existing VPC, secret ARNs)', () => {
  let template: Template;
  let json: CfnTemplate;
  let stack: PrmStack;
  const config = parsePrmConfig(exampleConfig());

  beforeAll(() => {
    ({ template, json, stack } = synth(config));
  });

  it('has no IAM statement with Resource "*" for Secrets Manager, RDS or RDS IAM actions', () => {
    expect(wildcardResourceStatements(json)).toEqual([]);
  });

  it('gives secret read, KMS via Secrets Manager and rds-db:connect to the database clients only', () => {
    for (const svc of ['config', 'monitor', 'provisioner', 'migrator'] as const) {
      const statements = roleStatements(json, stack, svc);
      expect(statements.find((s) => s.Sid === 'ReadConfiguredSecrets')).toMatchObject({
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: config.secretArns,
      });
      const kms = statements.find((s) => s.Sid === 'DecryptSecretsViaSecretsManager');
      expect(kms?.Action).toBe('kms:Decrypt');
      expect(JSON.stringify(kms?.Condition)).toContain('kms:ViaService');
      expect(JSON.stringify(kms?.Condition)).toContain('secretsmanager.');
      expect(JSON.stringify(kms?.Resource)).toContain(':key/*');
      const rdsDb = statements.find((s) => s.Sid === 'RdsIamConnect');
      expect(rdsDb?.Action).toBe('rds-db:connect');
      expect(JSON.stringify(rdsDb?.Resource)).toContain(':dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY1/prm_monitor');
    }
    for (const svc of ['gateway', 'alerter'] as const) {
      const actions = actionsOf(roleStatements(json, stack, svc));
      expect(actions.filter((a) => /^(secretsmanager|kms|rds|rds-db|sqs):/.test(a))).toEqual([]);
    }
  });

  it('lets only the monitor download the configured RDS instances’ logs and publish its queue-depth metric', () => {
    const monitor = roleStatements(json, stack, 'monitor');
    expect(monitor.find((s) => s.Sid === 'DownloadRdsLogs')).toMatchObject({
      Action: ['rds:DescribeDBLogFiles', 'rds:DownloadDBLogFilePortion'],
      Resource: config.logInstanceArns[0],
    });
    expect(monitor.find((s) => s.Sid === 'PublishQueueDepthMetric')).toMatchObject({
      Action: 'cloudwatch:PutMetricData',
      Condition: { StringEquals: { 'cloudwatch:namespace': QUEUE_DEPTH_METRIC.namespace } },
    });
    for (const svc of ['gateway', 'config', 'provisioner', 'migrator', 'alerter'] as const) {
      const actions = actionsOf(roleStatements(json, stack, svc));
      expect(actions.filter((a) => a.startsWith('rds:') || a.startsWith('cloudwatch:'))).toEqual([]);
    }
  });

  it('lets only the config service read exactly the bootstrap SSM path, and decrypt only via SSM for it', () => {
    expect(config.bootstrapSsmPath).toBe('/prm/endpoints');
    expect(ssmGrantsBeyondPath(json, '/prm/endpoints')).toEqual([]);
    const statements = roleStatements(json, stack, 'config');
    const list = statements.find((s) => s.Sid === 'ListBootstrapSsmPath');
    expect(list?.Action).toBe('ssm:GetParametersByPath');
    expect(cfnText(list?.Resource)).toBe(SSM_ARN);
    const read = statements.find((s) => s.Sid === 'ReadBootstrapSsmParameters');
    expect(read?.Action).toEqual(['ssm:GetParameter', 'ssm:GetParameters']);
    expect(cfnText(read?.Resource)).toBe(`${SSM_ARN}/*`);
    const kms = statements.find((s) => s.Sid === 'DecryptBootstrapParametersViaSsm') as Statement & {
      Condition: { StringEquals: Record<string, unknown>; StringLike: Record<string, unknown[]> };
    };
    expect(kms.Action).toBe('kms:Decrypt');
    expect(cfnText(kms.Resource)).toBe('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*');
    expect(cfnText(kms.Condition.StringEquals['kms:ViaService'])).toBe('ssm.${AWS::Region}.amazonaws.com');
    expect(kms.Condition.StringLike['kms:EncryptionContext:PARAMETER_ARN']!.map(cfnText)).toEqual([
      SSM_ARN,
      `${SSM_ARN}/*`,
    ]);
    expect(actionsOf(statements).filter((a) => a.startsWith('ssm:'))).toHaveLength(3);
    for (const svc of ['gateway', 'monitor', 'provisioner', 'migrator', 'alerter'] as const) {
      const others = roleStatements(json, stack, svc);
      expect(actionsOf(others).filter((a) => a.startsWith('ssm:'))).toEqual([]);
      expect(others.filter((s) => JSON.stringify(s.Condition ?? {}).includes('ssm.'))).toEqual([]);
    }
  });

  it('gives PRM_BOOTSTRAP_SSM_PATH to the config task only', () => {
    expect(containerEnv(json, stack, 'config').PRM_BOOTSTRAP_SSM_PATH).toBe('/prm/endpoints');
    for (const svc of ['gateway', 'monitor', 'provisioner', 'migrator', 'alerter'] as const) {
      expect(containerEnv(json, stack, svc).PRM_BOOTSTRAP_SSM_PATH).toBeUndefined();
    }
  });

  it('connects every task to the metadata DB with verify-full against the RDS CA bundle in the image', () => {
    for (const svc of ['gateway', 'config', 'monitor', 'provisioner', 'migrator', 'alerter'] as const) {
      const env = containerEnv(json, stack, svc);
      expect(env.PRM_DATABASE_SSL).toBe('verify-full');
      expect(env.PRM_DATABASE_CA_FILE).toBe(RDS_CA_BUNDLE_PATH);
      // no sslmode in the URL: it would override PRM_DATABASE_SSL (and the app refuses both)
      expect(cfnText(env.PRM_DATABASE_URL)).toMatch(/^postgres:\/\/prm@\$\{MetadataDb\w+\.Endpoint\.Address\}:/);
      expect(cfnText(env.PRM_DATABASE_URL)).not.toContain('sslmode');
    }
    expect(RDS_CA_BUNDLE_PATH).toBe('/app/certs/rds-global-bundle.pem');
  });

  it('turns on the queue-depth metric in the monitor task only (its autoscaling follows it)', () => {
    const envOf = (svc: keyof PrmStack['services']) => containerEnv(json, stack, svc);
    expect(envOf('monitor')).toMatchObject({ PRM_SERVICE: 'monitor', PRM_CLOUDWATCH_METRICS: 'true' });
    for (const svc of ['gateway', 'config', 'provisioner', 'migrator', 'alerter'] as const) {
      expect(envOf(svc).PRM_CLOUDWATCH_METRICS).toBeUndefined();
    }
  });

  it('lets only the provisioner consume the ingress queue, with exactly the four consumer actions', () => {
    const sqsStatements = roleStatements(json, stack, 'provisioner').filter((s) => s.Sid === 'ConsumeIngressQueue');
    expect(sqsStatements).toHaveLength(1);
    expect(sqsStatements[0]?.Action).toEqual([
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ChangeMessageVisibility',
    ]);
    const queueId = stack.getLogicalId(stack.ingressQueue.node.defaultChild as never);
    expect(sqsStatements[0]?.Resource).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    for (const svc of ['gateway', 'config', 'monitor', 'migrator', 'alerter'] as const) {
      expect(actionsOf(roleStatements(json, stack, svc)).filter((a) => a.startsWith('sqs:'))).toEqual([]);
    }
  });

  it('opens task egress only to the configured database CIDRs/ports, Redis, the metadata DB and 443', () => {
    const groups = Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::EC2::SecurityGroup');
    const redisSgId = groups.find(([id]) => id.startsWith('RedisSg'))![0];
    const metadataDbSgId = groups.find(([id]) => id.startsWith('MetadataDbSg'))![0];
    const metadataDbId = Object.entries(json.Resources).find(([, r]) => r.Type === 'AWS::RDS::DBInstance')![0];
    for (const svc of ['gateway', 'config', 'monitor', 'provisioner', 'migrator', 'alerter'] as const) {
      const sgId = stack.getLogicalId(stack.services[svc].securityGroup.node.defaultChild as never);
      const inline = json.Resources[sgId]!.Properties.SecurityGroupEgress as Record<string, unknown>[];
      const separate = Object.values(json.Resources)
        .filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress')
        .filter((r) => JSON.stringify(r.Properties.GroupId).includes(`"${sgId}"`))
        .map((r) => r.Properties);
      const rules = [...inline, ...separate];
      const cidrRules = rules
        .filter((r) => r.CidrIp !== undefined)
        .map((r) => `${r.CidrIp as string}:${r.FromPort as number}-${r.ToPort as number}`);
      const dbRules = ['10.30.0.0/16:5432-5432', '10.40.8.0/22:5432-5432', '10.40.8.0/22:5433-5433'];
      const isDbClient = svc !== 'gateway' && svc !== 'alerter';
      expect(cidrRules.sort()).toEqual(['0.0.0.0/0:443-443', ...(isDbClient ? dbRules : [])].sort());
      const sgRules = rules.filter((r) => r.DestinationSecurityGroupId !== undefined);
      const port = (p: unknown) => (typeof p === 'number' ? String(p) : JSON.stringify(p));
      expect(sgRules.map((r) => `${port(r.DestinationSecurityGroupId)} ${port(r.FromPort)}`).sort()).toEqual(
        [
          `${port({ 'Fn::GetAtt': [metadataDbSgId, 'GroupId'] })} ${port({ 'Fn::GetAtt': [metadataDbId, 'Endpoint.Port'] })}`,
          `${port({ 'Fn::GetAtt': [redisSgId, 'GroupId'] })} 6379`,
        ].sort(),
      );
      expect(rules.every((r) => r.IpProtocol === 'tcp')).toBe(true);
    }
  });

  it('lets the ALB reach only the gateway on 8080 (and the IdP on 443 for OIDC)', () => {
    const gatewaySgId = stack.getLogicalId(stack.services.gateway.securityGroup.node.defaultChild as never);
    const ingress = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress')
      .map((r) => r.Properties)
      .filter((p) => JSON.stringify(p.SourceSecurityGroupId ?? '').includes('ConsoleAlbSg'));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({
      FromPort: 8080,
      ToPort: 8080,
      GroupId: { 'Fn::GetAtt': [gatewaySgId, 'GroupId'] },
    });
    const alb = Object.entries(json.Resources).find(([id]) => id.startsWith('ConsoleAlbSg'))![1].Properties;
    expect(alb.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 }),
    ]);
    expect(alb.SecurityGroupIngress).toEqual([expect.objectContaining({ CidrIp: '10.20.0.0/16', FromPort: 443 })]);
  });

  it("runs the gateway in alb auth mode, trusting only this ALB's signature", () => {
    const gatewayTask = Object.values(template.findResources('AWS::ECS::TaskDefinition')).find((r) =>
      JSON.stringify(r).includes('"PRM_SERVICE","Value":"gateway"'),
    );
    const env = (
      gatewayTask as { Properties: { ContainerDefinitions: { Environment: { Name: string; Value: unknown }[] }[] } }
    ).Properties.ContainerDefinitions[0].Environment;
    const byName = Object.fromEntries(env.map((e) => [e.Name, e.Value]));
    expect(byName).toMatchObject({
      PRM_AUTH_MODE: 'alb',
      PRM_ROLE_GROUPS: 'admin=prm-admins;operator=prm-operators;viewer=prm-viewers',
      PRM_OIDC_GROUPS_CLAIM: 'groups',
      PRM_TRUST_PROXY_HOPS: '1',
    });
    expect(JSON.stringify(byName.PRM_ALB_ARN)).toContain('ConsoleAlb');
  });

  it('puts the gateway behind an internal HTTPS ALB whose default action authenticates with OIDC', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: config.certificateArn }],
      DefaultActions: [
        {
          Type: 'authenticate-oidc',
          Order: 1,
          AuthenticateOidcConfig: Match.objectLike({
            Issuer: 'https://login.example.com',
            ClientId: 'prm-console',
            ClientSecret: Match.stringLikeRegexp('resolve:secretsmanager:.*oidc-client-secret'),
            OnUnauthenticatedRequest: 'authenticate',
          }),
        },
        Match.objectLike({ Type: 'forward', Order: 2 }),
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      TargetType: 'ip',
      HealthCheckPath: '/health/ready',
    });
  });

  it('sends failed ingress messages to a DLQ after 5 receives', () => {
    const dlqId = stack.getLogicalId(stack.ingressDlq.node.defaultChild as never);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
    });
  });

  it('runs Redis with TLS required, an auth token from Secrets Manager and noeviction', () => {
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      AuthToken: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    expect(JSON.stringify(json.Resources)).toMatch(/resolve:secretsmanager:/);
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      Properties: { 'maxmemory-policy': 'noeviction' },
    });
  });

  it('runs the metadata PostgreSQL encrypted, private, with generated credentials', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      MultiAZ: true,
      DeletionProtection: true,
      MasterUserPassword: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
  });

  it('runs one Fargate service per prm service from the one image with PRM_SERVICE, secrets and a health check', () => {
    template.resourceCountIs('AWS::ECS::Service', 6);
    const taskDefs = Object.values(json.Resources).filter((r) => r.Type === 'AWS::ECS::TaskDefinition');
    const services = taskDefs.map((t) => {
      const [container] = t.Properties.ContainerDefinitions as Record<string, unknown>[];
      const env = Object.fromEntries(
        (container!.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
      );
      expect(JSON.stringify(container!.Image)).toContain('prm:0.1.0');
      expect(JSON.stringify(container!.Image)).toContain('111111111111.dkr.ecr.eu-west-1');
      expect((container!.Secrets as { Name: string }[]).map((s) => s.Name).sort()).toEqual([
        'PRM_DATABASE_PASSWORD',
        'PRM_REDIS_AUTH_TOKEN',
      ]);
      expect(container!.HealthCheck).toMatchObject({
        Command: ['CMD', 'node', '/app/deploy/docker/healthcheck.mjs', 'live'],
      });
      expect(container!.StopTimeout).toBe(30);
      expect(JSON.stringify(env.REDIS_URL)).toContain('rediss://');
      expect(env.PRM_PORT).toBe('8080');
      return env.PRM_SERVICE;
    });
    expect(services.sort()).toEqual(['alerter', 'config', 'gateway', 'migrator', 'monitor', 'provisioner']);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourceCountIs('AWS::Logs::LogGroup', 6);
  });

  it('scales the monitor on the prm/MonitorPollQueueDepth metric between min and max tasks', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 6,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'prm',
      MetricName: 'MonitorPollQueueDepth',
      Dimensions: [{ Name: 'RedisPrefix', Value: 'prm' }],
      Threshold: 50,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
  });
});

describe('PrmStack (new VPC, tag-based secret access)', () => {
  let json: CfnTemplate;
  let stack: PrmStack;

  beforeAll(() => {
    const raw = exampleConfig();
    delete raw.vpc;
    delete raw.rdsIamUsers;
    delete raw.logInstanceArns;
    raw.newVpc = { cidr: '10.90.0.0/16' };
    raw.secretArns = [];
    raw.secretTagAccess = true;
    raw.imageUri = 'ghcr.io/example/prm:0.1.0';
    raw.gatewayEcsExec = false;
    delete raw.bootstrapSsmPath;
    ({ json, stack } = synth(parsePrmConfig(raw)));
  });

  it('reads only secrets tagged prm-access=true, still without Resource "*"', () => {
    expect(wildcardResourceStatements(json)).toEqual([]);
    const tagged = roleStatements(json, stack, 'config').find((s) => s.Sid === 'ReadTaggedSecrets');
    expect(tagged?.Condition).toEqual({ StringEquals: { 'secretsmanager:ResourceTag/prm-access': 'true' } });
    expect(JSON.stringify(tagged?.Resource)).toContain(':secret:*');
    const sids = roleStatements(json, stack, 'monitor').map((s) => s.Sid);
    expect(sids).not.toContain('RdsIamConnect');
    expect(sids).not.toContain('DownloadRdsLogs');
  });

  it('grants no SSM read and sets no bootstrap path without bootstrapSsmPath', () => {
    const all = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(actionsOf(all).filter((a) => a.startsWith('ssm:'))).toEqual([]);
    expect(all.filter((s) => JSON.stringify(s.Condition ?? {}).includes('ssm.'))).toEqual([]);
    expect(containerEnv(json, stack, 'config').PRM_BOOTSTRAP_SSM_PATH).toBeUndefined();
  });

  it('creates the VPC without an availability-zone lookup', () => {
    const vpc = Object.values(json.Resources).find((r) => r.Type === 'AWS::EC2::VPC');
    expect(vpc?.Properties.CidrBlock).toBe('10.90.0.0/16');
    const azs = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::EC2::Subnet')
      .map((r) => r.Properties.AvailabilityZone);
    expect(new Set(azs)).toEqual(new Set(['eu-west-1a', 'eu-west-1b']));
    expect(stack.node.metadata.filter((m) => m.type === 'aws:cdk:missing-context' || m.type === 'missing')).toEqual([]);
  });

  it('uses a non-ECR image as given and keeps every root file system read-only without ECS Exec', () => {
    const containers = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::ECS::TaskDefinition')
      .map((t) => (t.Properties.ContainerDefinitions as Record<string, unknown>[])[0]!);
    expect(containers.map((c) => c.Image)).toEqual(Array(6).fill('ghcr.io/example/prm:0.1.0'));
    expect(containers.every((c) => c.ReadonlyRootFilesystem === true)).toBe(true);
  });
});

describe('PrmStack SSM bootstrap grants (customer keys; the path check catches a wildcard)', () => {
  const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  let json: CfnTemplate;
  let stack: PrmStack;

  beforeAll(() => {
    const raw = exampleConfig();
    raw.bootstrapSsmPath = '/acme/prm/endpoints';
    raw.bootstrapSsmKmsKeyArns = [keyArn];
    ({ json, stack } = synth(parsePrmConfig(raw)));
  });

  it('decrypts with the configured keys only, for that path only', () => {
    expect(ssmGrantsBeyondPath(json, '/acme/prm/endpoints')).toEqual([]);
    const kms = roleStatements(json, stack, 'config').find((s) => s.Sid === 'DecryptBootstrapParametersViaSsm');
    expect(kms?.Resource).toBe(keyArn);
    expect(containerEnv(json, stack, 'config').PRM_BOOTSTRAP_SSM_PATH).toBe('/acme/prm/endpoints');
    // the same template read against another path: every grant is outside it
    expect(ssmGrantsBeyondPath(json, '/prm/endpoints')).toHaveLength(4); // 2 ssm statements, 2 decrypt scopes
  });

  it('fails when a statement reads SSM by a wildcard path (a regression the check must catch)', () => {
    const app = new App();
    const raw = exampleConfig();
    const bad = new PrmStack(app, 'PrmWildcard', {
      env: { account: '111111111111', region: 'eu-west-1' },
      config: parsePrmConfig(raw),
    });
    bad.services.config.taskRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParametersByPath'],
        resources: [`arn:aws:ssm:eu-west-1:111111111111:parameter/*`],
      }),
    );
    bad.services.monitor.taskRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: ['*'] }),
    );
    const template = Template.fromStack(bad).toJSON() as CfnTemplate;
    const found = ssmGrantsBeyondPath(template, '/prm/endpoints');
    expect(found).toHaveLength(2);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^ConfigTaskRoleDefaultPolicy\w+: ssm:GetParametersByPath on arn:aws:ssm:.*:parameter\/\*$/,
        ),
        expect.stringMatching(/^MonitorTaskRoleDefaultPolicy\w+: ssm:GetParameter on \*$/),
      ]),
    );
    expect(wildcardResourceStatements(template)).toEqual([
      expect.stringMatching(/^MonitorTaskRoleDefaultPolicy\w+: ssm:GetParameter$/),
    ]);
  });
});
