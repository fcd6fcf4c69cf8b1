import { Aws, CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import * as applicationautoscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DATABASE_CLIENT_SERVICES, PRM_SERVICES, type PrmConfig, type PrmServiceName } from './config.js';

/** Port every prm container listens on (the image's default `PRM_PORT`); each task has its own network namespace. */
export const CONTAINER_PORT = 8080;

/** CloudWatch custom metric the monitor publishes (waiting + delayed `monitor-poll` jobs) and the monitor scales on. */
export const QUEUE_DEPTH_METRIC = { namespace: 'prm', metricName: 'MonitorPollQueueDepth' } as const;

/**
 * Where the image holds the RDS CA bundle (checked, and fetched unless in `deploy/certs/`, by deploy/Dockerfile; see
 * docs/deploy.md "TLS to the metadata store"): every task verifies the metadata database's certificate against it.
 */
export const RDS_CA_BUNDLE_PATH = '/app/certs/rds-global-bundle.pem';

/** Tag that grants prm read access to a secret when `secretTagAccess` is set. */
export const SECRET_ACCESS_TAG = { key: 'prm-access', value: 'true' } as const;

/** Characters left out of generated passwords, so they can sit in a connection URL without escaping. */
const URL_UNSAFE_CHARACTERS = ' !"#$%&\'()*+,/:;<=>?@[\\]^`{|}~';

const TASK_SIZE: Record<PrmServiceName, { cpu: number; memoryLimitMiB: number; desiredCount: number }> = {
  gateway: { cpu: 512, memoryLimitMiB: 1024, desiredCount: 2 },
  config: { cpu: 256, memoryLimitMiB: 512, desiredCount: 2 },
  monitor: { cpu: 512, memoryLimitMiB: 1024, desiredCount: 1 },
  provisioner: { cpu: 256, memoryLimitMiB: 512, desiredCount: 1 },
  migrator: { cpu: 256, memoryLimitMiB: 512, desiredCount: 1 },
  alerter: { cpu: 256, memoryLimitMiB: 512, desiredCount: 1 },
};

export interface PrmStackProps extends StackProps {
  config: PrmConfig;
  /** The prm image when `config.imageUri` is absent (bin/prm.ts builds deploy/Dockerfile as an asset). */
  image?: ecs.ContainerImage;
}

/** One prm service on ECS: its Fargate service, task role and security group. */
export interface PrmServiceResources {
  service: ecs.FargateService;
  taskRole: iam.Role;
  securityGroup: ec2.SecurityGroup;
  logGroup: logs.LogGroup;
}

/**
 * prm in the customer's VPC: ECS Fargate services (one per prm service, same image), an internal ALB with OIDC in
 * front of the gateway, ElastiCache Redis (TLS + auth token), RDS PostgreSQL for the metadata store, the SQS ingress
 * queue with its DLQ, and least-privilege task roles and security groups. Synthesizes without AWS calls.
 */
export class PrmStack extends Stack {
  readonly services: Record<PrmServiceName, PrmServiceResources>;
  readonly ingressQueue: sqs.Queue;
  readonly ingressDlq: sqs.Queue;
  readonly consoleAlb: elbv2.ApplicationLoadBalancer;

  constructor(scope: Construct, id: string, props: PrmStackProps) {
    super(scope, id, props);
    const { config } = props;
    const vpc = this.createVpc(config);
    const privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    // --- security groups: no default egress anywhere ---
    const sg = (name: string, description: string) =>
      new ec2.SecurityGroup(this, name, { vpc, description, allowAllOutbound: false });
    const redisSg = sg('RedisSg', 'prm Redis (ElastiCache): 6379 from prm tasks only');
    const metadataDbSg = sg('MetadataDbSg', 'prm metadata PostgreSQL: 5432 from prm tasks only');
    const albSg = sg('ConsoleAlbSg', 'prm console internal ALB: 443 from the allowed CIDRs');
    for (const cidr of config.consoleAllowedCidrs.length > 0 ? config.consoleAllowedCidrs : [vpc.vpcCidrBlock]) {
      albSg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), `console HTTPS from ${cidr}`);
    }

    // --- metadata store: RDS PostgreSQL, encrypted, private, generated credentials in Secrets Manager ---
    const metadataDb = new rds.DatabaseInstance(this, 'MetadataDb', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType: new ec2.InstanceType(config.metadataDb.instanceClass),
      vpc,
      vpcSubnets: privateSubnets,
      securityGroups: [metadataDbSg],
      credentials: rds.Credentials.fromGeneratedSecret('prm', { excludeCharacters: URL_UNSAFE_CHARACTERS }),
      databaseName: 'prm',
      storageEncrypted: true,
      allocatedStorage: config.metadataDb.allocatedStorageGiB,
      maxAllocatedStorage: config.metadataDb.allocatedStorageGiB * 5,
      multiAz: config.metadataDb.multiAz,
      publiclyAccessible: false,
      backupRetention: Duration.days(7),
      deletionProtection: config.metadataDb.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: config.logRetentionDays as logs.RetentionDays,
      parameters: { 'rds.force_ssl': '1' },
    });

    // --- Redis: replication group, TLS required, auth token generated into Secrets Manager, noeviction (BullMQ) ---
    const redisAuthToken = new secretsmanager.Secret(this, 'RedisAuthToken', {
      description: 'prm ElastiCache Redis AUTH token',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const redisSubnets = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'prm Redis private subnets',
      subnetIds: vpc.selectSubnets(privateSubnets).subnetIds,
    });
    const redisParams = new elasticache.CfnParameterGroup(this, 'RedisParams', {
      cacheParameterGroupFamily: 'redis7',
      description: 'prm: BullMQ needs maxmemory-policy noeviction (evicted job keys are lost jobs)',
      properties: { 'maxmemory-policy': 'noeviction' },
    });
    const redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: 'prm queues (BullMQ) and event bus',
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: config.redis.nodeType,
      numCacheClusters: 1 + config.redis.replicas,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      authToken: redisAuthToken.secretValue.unsafeUnwrap(), // a {{resolve:secretsmanager}} reference, not the value
      cacheSubnetGroupName: redisSubnets.ref,
      cacheParameterGroupName: redisParams.ref,
      securityGroupIds: [redisSg.securityGroupId],
      port: 6379,
      snapshotRetentionLimit: 7,
    });

    // --- SQS ingress for other teams' services, with a dead-letter queue ---
    this.ingressDlq = new sqs.Queue(this, 'IngressDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.ingressQueue = new sqs.Queue(this, 'IngressQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.minutes(5),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.ingressDlq, maxReceiveCount: 5 },
    });

    // --- ECS ---
    const image = this.containerImage(config, props.image);
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const dbPassword = metadataDb.secret;
    /* istanbul ignore next -- fromGeneratedSecret always creates the secret */
    if (!dbPassword) throw new Error('metadata database secret missing');

    const commonEnv: Record<string, string> = {
      PRM_PORT: String(CONTAINER_PORT),
      PRM_HOST: '0.0.0.0',
      PRM_REDIS_PREFIX: config.redisPrefix,
      LOG_LEVEL: 'info',
      AWS_REGION: Aws.REGION,
      // The entrypoint adds PRM_DATABASE_PASSWORD / PRM_REDIS_AUTH_TOKEN (ECS secrets) to these URLs.
      PRM_DATABASE_URL: `postgres://prm@${metadataDb.dbInstanceEndpointAddress}:${metadataDb.dbInstanceEndpointPort}/prm`,
      // TLS with the server certificate checked against the RDS CA bundle and the endpoint's host name.
      PRM_DATABASE_SSL: 'verify-full',
      PRM_DATABASE_CA_FILE: RDS_CA_BUNDLE_PATH,
      REDIS_URL: `rediss://${redis.attrPrimaryEndPointAddress}:${redis.attrPrimaryEndPointPort}`,
    };
    const secrets: Record<string, ecs.Secret> = {
      PRM_DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(dbPassword, 'password'),
      PRM_REDIS_AUTH_TOKEN: ecs.Secret.fromSecretsManager(redisAuthToken),
    };

    const services = {} as Record<PrmServiceName, PrmServiceResources>;
    for (const name of PRM_SERVICES) {
      const securityGroup = sg(`${pascal(name)}Sg`, `prm ${name} tasks: egress to Redis, metadata DB, 443 only`);
      redisSg.connections.allowFrom(securityGroup, ec2.Port.tcp(6379), `Redis from prm ${name}`);
      metadataDb.connections.allowDefaultPortFrom(securityGroup, `metadata DB from prm ${name}`);
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: AWS APIs (VPC endpoints or NAT)');
      if (DATABASE_CLIENT_SERVICES.includes(name)) {
        for (const target of config.databaseTargets) {
          for (const port of target.ports) {
            securityGroup.addEgressRule(
              ec2.Peer.ipv4(target.cidr),
              ec2.Port.tcp(port),
              `PostgreSQL ${target.description ?? target.cidr}:${port}`,
            );
          }
        }
      }
      const taskRole = new iam.Role(this, `${pascal(name)}TaskRole`, {
        description: `prm ${name} task role`,
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
        }),
      });
      const logGroup = new logs.LogGroup(this, `${pascal(name)}Logs`, {
        retention: config.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const size = TASK_SIZE[name];
      const taskDefinition = new ecs.FargateTaskDefinition(this, `${pascal(name)}Task`, {
        cpu: size.cpu,
        memoryLimitMiB: size.memoryLimitMiB,
        taskRole,
        runtimePlatform: {
          cpuArchitecture: ecs.CpuArchitecture.X86_64,
          operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        },
      });
      const ecsExec = name === 'gateway' && config.gatewayEcsExec;
      const container = taskDefinition.addContainer(name, {
        image,
        environment: {
          ...commonEnv,
          PRM_SERVICE: name,
          ...(name === 'provisioner' ? { PRM_SQS_INGRESS_QUEUE_URL: this.ingressQueue.queueUrl } : {}),
          // the config service registers the endpoints found under this path at start
          ...(name === 'config' && config.bootstrapSsmPath ? { PRM_BOOTSTRAP_SSM_PATH: config.bootstrapSsmPath } : {}),
          // the monitor publishes prm/MonitorPollQueueDepth, which its autoscaling below follows
          ...(name === 'monitor' ? { PRM_CLOUDWATCH_METRICS: 'true' } : {}),
        },
        secrets,
        logging: ecs.LogDrivers.awsLogs({ streamPrefix: name, logGroup }),
        portMappings: [{ containerPort: CONTAINER_PORT, protocol: ecs.Protocol.TCP }],
        healthCheck: {
          command: ['CMD', 'node', '/app/deploy/docker/healthcheck.mjs', 'live'],
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          retries: 3,
          startPeriod: Duration.seconds(60),
        },
        // SIGTERM first (tini forwards it to node), SIGKILL after this many seconds.
        stopTimeout: Duration.seconds(30),
        // ECS Exec (the SSM agent) needs a writable root file system.
        readonlyRootFilesystem: !ecsExec,
      });
      taskDefinition.addVolume({ name: 'tmp' });
      container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });

      const service = new ecs.FargateService(this, `${pascal(name)}Service`, {
        cluster,
        taskDefinition,
        desiredCount: name === 'monitor' ? config.monitor.minTasks : size.desiredCount,
        securityGroups: [securityGroup],
        vpcSubnets: privateSubnets,
        assignPublicIp: false,
        circuitBreaker: { rollback: true },
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        enableExecuteCommand: ecsExec,
        propagateTags: ecs.PropagatedTagSource.SERVICE,
      });
      services[name] = { service, taskRole, securityGroup, logGroup };
    }
    this.services = services;

    this.grantDatabaseAccess(config);
    this.grantLogDownload(config, services.monitor.taskRole);
    this.grantBootstrapSsmRead(config, services.config.taskRole);
    services.provisioner.taskRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ConsumeIngressQueue',
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
        resources: [this.ingressQueue.queueArn],
      }),
    );
    services.monitor.taskRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PublishQueueDepthMetric',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'], // PutMetricData has no resource type; the namespace condition scopes it
        conditions: { StringEquals: { 'cloudwatch:namespace': QUEUE_DEPTH_METRIC.namespace } },
      }),
    );

    // --- monitor workers scale on the poll queue depth ---
    const depth = new cloudwatch.Metric({
      ...QUEUE_DEPTH_METRIC,
      dimensionsMap: { RedisPrefix: config.redisPrefix },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
    });
    const scaling = services.monitor.service.autoScaleTaskCount({
      minCapacity: config.monitor.minTasks,
      maxCapacity: config.monitor.maxTasks,
    });
    const step = config.monitor.scaleOutQueueDepth;
    scaling.scaleOnMetric('PollQueueDepth', {
      metric: depth,
      adjustmentType: applicationautoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: 0, change: -1 },
        { lower: step, change: +1 },
        { lower: step * 4, change: +3 },
      ],
      cooldown: Duration.minutes(2),
      evaluationPeriods: 2,
    });

    // --- internal ALB, HTTPS, OIDC authentication in front of the gateway ---
    this.consoleAlb = new elbv2.ApplicationLoadBalancer(this, 'ConsoleAlb', {
      vpc,
      internetFacing: false,
      vpcSubnets: privateSubnets,
      securityGroup: albSg,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(300), // the console's WebSocket
    });
    const listener = this.consoleAlb.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(config.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
    });
    const gatewayTargets = new elbv2.ApplicationTargetGroup(this, 'GatewayTargets', {
      vpc,
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [services.gateway.service],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { path: '/health/ready', healthyHttpCodes: '200', interval: Duration.seconds(15) },
    });
    listener.addAction('Oidc', {
      action: elbv2.ListenerAction.authenticateOidc({
        issuer: config.oidc.issuer,
        authorizationEndpoint: config.oidc.authorizationEndpoint,
        tokenEndpoint: config.oidc.tokenEndpoint,
        userInfoEndpoint: config.oidc.userInfoEndpoint,
        clientId: config.oidc.clientId,
        clientSecret: SecretValue.secretsManager(config.oidc.clientSecretArn),
        scope: config.oidc.scope,
        sessionTimeout: Duration.seconds(config.oidc.sessionTimeoutSeconds),
        onUnauthenticatedRequest: elbv2.UnauthenticatedAction.AUTHENTICATE,
        next: elbv2.ListenerAction.forward([gatewayTargets]),
      }),
    });

    // The gateway trusts only what this ALB signed: x-amzn-oidc-data verified against the ALB's regional key and ARN.
    const gatewayContainer = services.gateway.service.taskDefinition.defaultContainer;
    gatewayContainer?.addEnvironment('PRM_AUTH_MODE', 'alb');
    gatewayContainer?.addEnvironment('PRM_ALB_ARN', this.consoleAlb.loadBalancerArn);
    gatewayContainer?.addEnvironment('PRM_ROLE_GROUPS', config.oidc.roleGroups);
    gatewayContainer?.addEnvironment('PRM_OIDC_GROUPS_CLAIM', config.oidc.groupsClaim);
    gatewayContainer?.addEnvironment('PRM_TRUST_PROXY_HOPS', '1');

    new CfnOutput(this, 'ConsoleAlbDnsName', { value: this.consoleAlb.loadBalancerDnsName });
    new CfnOutput(this, 'ClusterName', { value: cluster.clusterName });
    new CfnOutput(this, 'GatewayServiceName', { value: services.gateway.service.serviceName });
    new CfnOutput(this, 'IngressQueueUrl', { value: this.ingressQueue.queueUrl });
    new CfnOutput(this, 'IngressDlqUrl', { value: this.ingressDlq.queueUrl });
    new CfnOutput(this, 'MetadataDbSecretArn', { value: dbPassword.secretArn });
  }

  /** An ECR URI becomes `fromEcrRepository` (the execution role gets pull rights on that repository only). */
  private containerImage(config: PrmConfig, fallback: ecs.ContainerImage | undefined): ecs.ContainerImage {
    if (!config.imageUri) {
      if (!fallback) throw new Error('prm: give config.imageUri or an image');
      return fallback;
    }
    const ecrUri = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+):([\w.-]+)$/.exec(
      config.imageUri,
    );
    if (!ecrUri) return ecs.ContainerImage.fromRegistry(config.imageUri);
    const [, account, region, repositoryName, tag] = ecrUri as unknown as [string, string, string, string, string];
    const repository = ecr.Repository.fromRepositoryAttributes(this, 'ImageRepository', {
      repositoryName,
      repositoryArn: `arn:${Aws.PARTITION}:ecr:${region}:${account}:repository/${repositoryName}`,
    });
    return ecs.ContainerImage.fromEcrRepository(repository, tag);
  }

  private createVpc(config: PrmConfig): ec2.IVpc {
    if (config.vpc) {
      return ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: config.vpc.vpcId,
        vpcCidrBlock: config.vpc.vpcCidrBlock,
        availabilityZones: config.vpc.availabilityZones,
        privateSubnetIds: config.vpc.privateSubnetIds,
        ...(config.vpc.privateSubnetRouteTableIds
          ? { privateSubnetRouteTableIds: config.vpc.privateSubnetRouteTableIds }
          : {}),
      });
    }
    /* istanbul ignore next -- parsePrmConfig fills newVpc whenever vpc is absent */
    const { cidr, maxAzs, natGateways } = config.newVpc ?? { cidr: '10.80.0.0/16', maxAzs: 2, natGateways: 1 };
    const azLetters = 'abcdef'.slice(0, maxAzs).split('');
    return new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      // Named zones instead of a lookup, so synth needs no AWS call.
      availabilityZones: azLetters.map((l) => `${this.region}${l}`),
      natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
    });
  }

  /** Secrets, KMS via Secrets Manager and `rds-db:connect` for the services that open customer database sessions. */
  private grantDatabaseAccess(config: PrmConfig): void {
    const statements: iam.PolicyStatement[] = [];
    if (config.secretArns.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ReadConfiguredSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: config.secretArns,
        }),
      );
    }
    if (config.secretTagAccess) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ReadTaggedSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [`arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:*`],
          conditions: {
            StringEquals: { [`secretsmanager:ResourceTag/${SECRET_ACCESS_TAG.key}`]: SECRET_ACCESS_TAG.value },
          },
        }),
      );
    }
    const secretAccounts = new Set(config.secretArns.map((arn) => arn.split(':')[4] as string));
    const keyResources =
      config.secretKmsKeyArns.length > 0
        ? config.secretKmsKeyArns
        : [
            `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`,
            ...[...secretAccounts].map((account) => `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${account}:key/*`),
          ];
    statements.push(
      new iam.PolicyStatement({
        sid: 'DecryptSecretsViaSecretsManager',
        actions: ['kms:Decrypt'],
        resources: [...new Set(keyResources)],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
      }),
    );
    if (config.rdsIamUsers.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'RdsIamConnect',
          actions: ['rds-db:connect'],
          resources: config.rdsIamUsers.map(
            (u) =>
              `arn:${Aws.PARTITION}:rds-db:${u.region ?? Aws.REGION}:${u.account ?? Aws.ACCOUNT_ID}:dbuser:${u.dbiResourceId}/${u.user}`,
          ),
        }),
      );
    }
    for (const name of DATABASE_CLIENT_SERVICES) {
      for (const statement of statements) this.services[name].taskRole.addToPolicy(statement);
    }
  }

  /**
   * The config service's endpoint bootstrap (`PRM_BOOTSTRAP_SSM_PATH`, SSM `GetParametersByPath`, recursive, with
   * decryption): `ssm:GetParametersByPath` on exactly the path, `ssm:GetParameter(s)` on the parameters below it,
   * and `kms:Decrypt` for SecureString values only when SSM asks (`kms:ViaService`) for a parameter under the path
   * (`kms:EncryptionContext:PARAMETER_ARN`, the context Parameter Store encrypts with). Nothing without a path.
   */
  private grantBootstrapSsmRead(config: PrmConfig, role: iam.Role): void {
    if (!config.bootstrapSsmPath) return;
    const pathArn = ssmParameterArn(config.bootstrapSsmPath);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListBootstrapSsmPath',
        actions: ['ssm:GetParametersByPath'],
        resources: [pathArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadBootstrapSsmParameters',
        actions: ['ssm:GetParameter', 'ssm:GetParameters'],
        resources: [`${pathArn}/*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptBootstrapParametersViaSsm',
        actions: ['kms:Decrypt'],
        resources:
          config.bootstrapSsmKmsKeyArns.length > 0
            ? config.bootstrapSsmKmsKeyArns
            : [`arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`],
        conditions: {
          StringEquals: { 'kms:ViaService': `ssm.${Aws.REGION}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': [pathArn, `${pathArn}/*`] },
        },
      }),
    );
  }

  /** `rds:DescribeDBLogFiles` and `rds:DownloadDBLogFilePortion` on the configured instances (monitor only). */
  private grantLogDownload(config: PrmConfig, role: iam.Role): void {
    if (config.logInstanceArns.length === 0) return;
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DownloadRdsLogs',
        actions: ['rds:DescribeDBLogFiles', 'rds:DownloadDBLogFilePortion'],
        resources: config.logInstanceArns,
      }),
    );
  }
}

/**
 * ARN of an SSM parameter or hierarchy path (`/prm/endpoints` → `arn:<partition>:ssm:<region>:<account>:parameter/prm/endpoints`;
 * a name that starts with `/` takes no extra slash). Source: AWS Systems Manager "Parameter Store" IAM examples.
 */
export function ssmParameterArn(path: string): string {
  return `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${path}`;
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
