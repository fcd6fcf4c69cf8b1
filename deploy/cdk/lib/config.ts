/**
 * Settings of one prm deployment (the CDK app's input), read from a JSON file or the `prm` context value and
 * checked by {@link parsePrmConfig} before any construct is created. Field meanings are in docs/deploy.md.
 */

/** The six prm services, each one ECS Fargate service running the same image with `PRM_SERVICE=<name>`. */
export const PRM_SERVICES = ['gateway', 'config', 'monitor', 'provisioner', 'migrator', 'alerter'] as const;
export type PrmServiceName = (typeof PRM_SERVICES)[number];

/** Services that open sessions on customer databases (credentials, `rds-db:connect`, egress to database ports). */
export const DATABASE_CLIENT_SERVICES: readonly PrmServiceName[] = ['config', 'monitor', 'provisioner', 'migrator'];

/** An existing VPC, described without a lookup (no AWS call at synth time). */
export interface ExistingVpcConfig {
  vpcId: string;
  /** CIDR of the VPC, e.g. `10.20.0.0/16`. */
  vpcCidrBlock: string;
  availabilityZones: string[];
  /** Private subnets with a route to AWS endpoints (NAT or VPC endpoints), one per availability zone, same order. */
  privateSubnetIds: string[];
  /** Route tables of those subnets, same order (optional; only silences CDK's warning when absent). */
  privateSubnetRouteTableIds?: string[];
}

/** A new VPC created by the stack (private subnets with NAT). */
export interface NewVpcConfig {
  cidr: string;
  maxAzs: number;
  natGateways: number;
}

/** Customer databases prm may reach: egress is opened to exactly these CIDRs and TCP ports. */
export interface DatabaseTarget {
  cidr: string;
  ports: number[];
  description?: string;
}

/** An IAM database user on an RDS instance or Aurora cluster, for `rds-db:connect`. */
export interface RdsIamUser {
  /** `DbiResourceId` of the instance (`db-...`) or `DbClusterResourceId` of an Aurora cluster (`cluster-...`). */
  dbiResourceId: string;
  /** Database user name, or `*` for every IAM user of that resource. */
  user: string;
  /** Defaults to the stack's region and account. */
  region?: string;
  account?: string;
}

/** OpenID Connect identity provider for the ALB's `authenticate-oidc` action. */
export interface OidcConfig {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userInfoEndpoint: string;
  clientId: string;
  /** Secrets Manager secret holding the client secret as a plain string. */
  clientSecretArn: string;
  /** Default `openid email profile`. */
  scope: string;
  /** Default 3600 s (1 hour). */
  sessionTimeoutSeconds: number;
  /** Group → prm role (gateway PRM_ROLE_GROUPS); default `admin=prm-admins;operator=prm-operators;viewer=prm-viewers`. */
  roleGroups: string;
  /** Claim of the IdP's userinfo holding the groups (PRM_OIDC_GROUPS_CLAIM); default `groups`. */
  groupsClaim: string;
}

export interface PrmConfig {
  /** CloudFormation stack name; default `Prm`. */
  stackName: string;
  account?: string;
  region?: string;
  /** Exactly one of `vpc` (existing) or `newVpc`. */
  vpc?: ExistingVpcConfig;
  newVpc?: NewVpcConfig;
  databaseTargets: DatabaseTarget[];
  /** Secrets prm may read (endpoint credentials). Exact ARNs; a name prefix may end in `-??????`. */
  secretArns: string[];
  /** Also allow every secret tagged `prm-access=true` in this account and region. */
  secretTagAccess: boolean;
  /** KMS keys of those secrets; default any key of the region, always only via Secrets Manager. */
  secretKmsKeyArns: string[];
  rdsIamUsers: RdsIamUser[];
  /** RDS DB instance ARNs whose PostgreSQL logs the monitor downloads. */
  logInstanceArns: string[];
  oidc: OidcConfig;
  /** ACM certificate for the console's HTTPS listener. */
  certificateArn: string;
  /** Who may reach the internal ALB on 443; default the VPC CIDR. */
  consoleAllowedCidrs: string[];
  /** Container image (e.g. an ECR URI with a tag); when absent the app builds deploy/Dockerfile as an asset. */
  imageUri?: string;
  /** Redis key prefix of this installation. */
  redisPrefix: string;
  logRetentionDays: number;
  monitor: { minTasks: number; maxTasks: number; scaleOutQueueDepth: number };
  metadataDb: { instanceClass: string; allocatedStorageGiB: number; multiAz: boolean; deletionProtection: boolean };
  redis: { nodeType: string; replicas: number };
  /** ECS Exec on the gateway task: the target of SSM port forwarding to the internal ALB. */
  gatewayEcsExec: boolean;
  /**
   * SSM Parameter Store path (e.g. `/prm/endpoints`) the config service bootstraps endpoints from at start
   * (`PRM_BOOTSTRAP_SSM_PATH`); its task role may read exactly this path. Absent: no bootstrap, no SSM rights.
   */
  bootstrapSsmPath?: string;
  /**
   * Customer-managed KMS keys of SecureString parameters under `bootstrapSsmPath`; default any key of the account
   * and region. `kms:Decrypt` is always only via SSM and only for parameters under the path.
   */
  bootstrapSsmKmsKeyArns: string[];
}

/** Thrown when the deployment settings are invalid; lists every problem with its JSON path. */
export class PrmConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid prm deployment config: ${problems.join('; ')}`);
  }
}

const ARN_SECRET = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@?*-]+$/;
const ARN_KMS_KEY = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const ARN_RDS_DB = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:[A-Za-z0-9-]+$/;
const ARN_ACM = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const CIDR_V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const HTTPS_URL = /^https:\/\/\S+$/;
const DBI_RESOURCE_ID = /^(db|cluster)-[A-Z0-9]+$/;
const DB_USER = /^(\*|[A-Za-z_][A-Za-z0-9_$.-]{0,62})$/;
/** A parameter hierarchy: `/segment/segment`, segments of `A-Z a-z 0-9 _ . -` (SSM's name characters). */
const SSM_PATH = /^(\/[A-Za-z0-9_.-]+)+$/;
/** Parameter Store's hierarchy depth limit (levels of a parameter name). */
const SSM_MAX_LEVELS = 15;

/**
 * Problem with an SSM Parameter Store path given as the endpoint bootstrap source, or null when it is usable:
 * absolute, no trailing `/`, no wildcard (IAM would read it as one), not under the reserved `aws`/`ssm` prefixes,
 * and leaving room below it in the 15-level hierarchy. Source: AWS Systems Manager "Working with parameter
 * hierarchies" and "Requirements and constraints for parameter names".
 */
export function ssmPathProblem(path: string): string | null {
  if (path.includes('*') || path.includes('?')) return 'must be one exact path, without wildcards';
  if (!SSM_PATH.test(path)) return 'must be an absolute path such as /prm/endpoints (letters, digits, _ . -)';
  const levels = path.split('/').filter(Boolean);
  if (/^(aws|ssm)/i.test(levels[0] ?? '')) return 'must not start with the reserved prefixes aws or ssm';
  if (levels.length >= SSM_MAX_LEVELS) return `must have fewer than ${SSM_MAX_LEVELS} levels`;
  return null;
}

/** Checks an IPv4 CIDR such as `10.0.0.0/16` (octets ≤ 255, prefix ≤ 32). */
export function isIpv4Cidr(value: unknown): value is string {
  const m = typeof value === 'string' ? CIDR_V4.exec(value) : null;
  return m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

type Json = Record<string, unknown>;

/**
 * Validates raw settings (parsed JSON) and fills defaults. Throws {@link PrmConfigError} naming every bad field,
 * e.g. `databaseTargets[0].ports[1]: must be a TCP port 1-65535`.
 */
export function parsePrmConfig(raw: unknown): PrmConfig {
  const problems: string[] = [];
  const bad = (path: string, reason: string): void => void problems.push(`${path}: ${reason}`);
  if (!isObject(raw)) throw new PrmConfigError(['(root): must be a JSON object']);

  const str = (o: Json, key: string, path: string, re?: RegExp, fallback?: string): string => {
    const v = o[key] ?? fallback;
    if (typeof v !== 'string' || v.length === 0) bad(path, 'must be a non-empty string');
    else if (re && !re.test(v)) bad(path, `must match ${re.source}`);
    return typeof v === 'string' ? v : '';
  };
  const int = (o: Json, key: string, path: string, min: number, max: number, fallback: number): number => {
    const v = o[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      bad(path, `must be an integer ${min}-${max}`);
    return typeof v === 'number' ? v : fallback;
  };
  const bool = (o: Json, key: string, path: string, fallback: boolean): boolean => {
    const v = o[key] ?? fallback;
    if (typeof v !== 'boolean') bad(path, 'must be true or false');
    return v === true;
  };
  const list = <T>(o: Json, key: string, path: string, item: (v: unknown, p: string) => T | undefined): T[] => {
    const v = o[key] ?? [];
    if (!Array.isArray(v)) {
      bad(path, 'must be an array');
      return [];
    }
    return v.map((x, i) => item(x, `${path}[${i}]`)).filter((x): x is T => x !== undefined);
  };
  const arn = (re: RegExp, what: string) => (v: unknown, p: string) => {
    if (typeof v !== 'string' || !re.test(v)) bad(p, `must be ${what}`);
    return typeof v === 'string' ? v : undefined;
  };
  const cidr = (v: unknown, p: string) => {
    if (!isIpv4Cidr(v)) bad(p, 'must be an IPv4 CIDR such as 10.0.0.0/16');
    return typeof v === 'string' ? v : undefined;
  };
  const obj = (v: unknown, path: string): Json => {
    if (v === undefined) return {};
    if (!isObject(v)) bad(path, 'must be an object');
    return isObject(v) ? v : {};
  };

  let vpc: ExistingVpcConfig | undefined;
  let newVpc: NewVpcConfig | undefined;
  if (raw.vpc !== undefined && raw.newVpc !== undefined) bad('vpc', 'give either vpc (existing) or newVpc, not both');
  if (raw.vpc !== undefined) {
    const v = obj(raw.vpc, 'vpc');
    vpc = {
      vpcId: str(v, 'vpcId', 'vpc.vpcId', /^vpc-[0-9a-f]{8,17}$/),
      vpcCidrBlock: '',
      availabilityZones: list(v, 'availabilityZones', 'vpc.availabilityZones', (x, p) => {
        if (typeof x !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(x)) bad(p, 'must be an availability zone');
        return typeof x === 'string' ? x : undefined;
      }),
      privateSubnetIds: list(v, 'privateSubnetIds', 'vpc.privateSubnetIds', (x, p) => {
        if (typeof x !== 'string' || !/^subnet-[0-9a-f]{8,17}$/.test(x)) bad(p, 'must be a subnet id');
        return typeof x === 'string' ? x : undefined;
      }),
    };
    if (v.privateSubnetRouteTableIds !== undefined) {
      vpc.privateSubnetRouteTableIds = list(
        v,
        'privateSubnetRouteTableIds',
        'vpc.privateSubnetRouteTableIds',
        (x, p) => {
          if (typeof x !== 'string' || !/^rtb-[0-9a-f]{8,17}$/.test(x)) bad(p, 'must be a route table id');
          return typeof x === 'string' ? x : undefined;
        },
      );
      if (vpc.privateSubnetRouteTableIds.length !== vpc.privateSubnetIds.length) {
        bad('vpc.privateSubnetRouteTableIds', 'needs one route table per private subnet, in the same order');
      }
    }
    if (!isIpv4Cidr(v.vpcCidrBlock)) bad('vpc.vpcCidrBlock', 'must be an IPv4 CIDR such as 10.0.0.0/16');
    else vpc.vpcCidrBlock = v.vpcCidrBlock;
    if (vpc.availabilityZones.length < 2) bad('vpc.availabilityZones', 'needs at least 2 (RDS and Redis span two)');
    if (vpc.privateSubnetIds.length !== vpc.availabilityZones.length) {
      bad('vpc.privateSubnetIds', 'needs one subnet per availability zone, in the same order');
    }
  } else {
    const v = obj(raw.newVpc, 'newVpc');
    newVpc = {
      cidr: str(v, 'cidr', 'newVpc.cidr', undefined, '10.80.0.0/16'),
      maxAzs: int(v, 'maxAzs', 'newVpc.maxAzs', 2, 6, 2),
      natGateways: int(v, 'natGateways', 'newVpc.natGateways', 1, 6, 1),
    };
    if (!isIpv4Cidr(newVpc.cidr)) bad('newVpc.cidr', 'must be an IPv4 CIDR such as 10.0.0.0/16');
  }

  const databaseTargets = list(raw, 'databaseTargets', 'databaseTargets', (x, p) => {
    const t = obj(x, p);
    const ports = list(t, 'ports', `${p}.ports`, (port, pp) => {
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        bad(pp, 'must be a TCP port 1-65535');
        return undefined;
      }
      return port;
    });
    if (ports.length === 0) bad(`${p}.ports`, 'needs at least one port');
    if (!isIpv4Cidr(t.cidr)) bad(`${p}.cidr`, 'must be an IPv4 CIDR such as 10.0.0.0/16');
    else if (t.cidr.endsWith('/0')) bad(`${p}.cidr`, 'must not be 0.0.0.0/0 (egress only to database networks)');
    const description = typeof t.description === 'string' ? t.description : undefined;
    return { cidr: typeof t.cidr === 'string' ? t.cidr : '', ports, ...(description ? { description } : {}) };
  });
  if (databaseTargets.length === 0) bad('databaseTargets', 'needs at least one database CIDR with its ports');

  const secretArns = list(raw, 'secretArns', 'secretArns', arn(ARN_SECRET, 'a Secrets Manager secret ARN'));
  for (const [i, s] of secretArns.entries()) {
    if (s.endsWith(':secret:*')) bad(`secretArns[${i}]`, 'must name a secret, not every secret');
  }
  const secretTagAccess = bool(raw, 'secretTagAccess', 'secretTagAccess', false);
  if (secretArns.length === 0 && !secretTagAccess) {
    bad('secretArns', 'give secret ARNs or set secretTagAccess (tag prm-access=true)');
  }

  const oidcRaw = obj(raw.oidc, 'oidc');
  const oidc: OidcConfig = {
    issuer: str(oidcRaw, 'issuer', 'oidc.issuer', HTTPS_URL),
    authorizationEndpoint: str(oidcRaw, 'authorizationEndpoint', 'oidc.authorizationEndpoint', HTTPS_URL),
    tokenEndpoint: str(oidcRaw, 'tokenEndpoint', 'oidc.tokenEndpoint', HTTPS_URL),
    userInfoEndpoint: str(oidcRaw, 'userInfoEndpoint', 'oidc.userInfoEndpoint', HTTPS_URL),
    clientId: str(oidcRaw, 'clientId', 'oidc.clientId'),
    clientSecretArn: str(oidcRaw, 'clientSecretArn', 'oidc.clientSecretArn', ARN_SECRET),
    scope: str(oidcRaw, 'scope', 'oidc.scope', undefined, 'openid email profile'),
    sessionTimeoutSeconds: int(oidcRaw, 'sessionTimeoutSeconds', 'oidc.sessionTimeoutSeconds', 60, 604800, 3600),
    roleGroups: str(
      oidcRaw,
      'roleGroups',
      'oidc.roleGroups',
      /^(admin|operator|viewer)=[^;=]+(;(admin|operator|viewer)=[^;=]+)*$/,
      'admin=prm-admins;operator=prm-operators;viewer=prm-viewers',
    ),
    groupsClaim: str(oidcRaw, 'groupsClaim', 'oidc.groupsClaim', undefined, 'groups'),
  };

  const monitorRaw = obj(raw.monitor, 'monitor');
  const monitor = {
    minTasks: int(monitorRaw, 'minTasks', 'monitor.minTasks', 1, 100, 1),
    maxTasks: int(monitorRaw, 'maxTasks', 'monitor.maxTasks', 1, 100, 6),
    scaleOutQueueDepth: int(monitorRaw, 'scaleOutQueueDepth', 'monitor.scaleOutQueueDepth', 1, 1_000_000, 50),
  };
  if (monitor.maxTasks < monitor.minTasks) bad('monitor.maxTasks', 'must be ≥ monitor.minTasks');

  const dbRaw = obj(raw.metadataDb, 'metadataDb');
  const redisRaw = obj(raw.redis, 'redis');
  const account = raw.account === undefined ? undefined : str(raw, 'account', 'account', /^\d{12}$/);
  const region = raw.region === undefined ? undefined : str(raw, 'region', 'region', /^[a-z]{2}(-[a-z]+)+-\d$/);
  const imageUri = raw.imageUri === undefined ? undefined : str(raw, 'imageUri', 'imageUri', /^\S+[:@]\S+$/);
  const bootstrapSsmPath =
    raw.bootstrapSsmPath === undefined ? undefined : str(raw, 'bootstrapSsmPath', 'bootstrapSsmPath');
  const ssmProblem = bootstrapSsmPath ? ssmPathProblem(bootstrapSsmPath) : null;
  if (ssmProblem) bad('bootstrapSsmPath', ssmProblem);
  const bootstrapSsmKmsKeyArns = list(
    raw,
    'bootstrapSsmKmsKeyArns',
    'bootstrapSsmKmsKeyArns',
    arn(ARN_KMS_KEY, 'a KMS key ARN'),
  );
  if (bootstrapSsmKmsKeyArns.length > 0 && !bootstrapSsmPath) {
    bad('bootstrapSsmKmsKeyArns', 'only used with bootstrapSsmPath');
  }

  const config: PrmConfig = {
    stackName: str(raw, 'stackName', 'stackName', /^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'Prm'),
    ...(account ? { account } : {}),
    ...(region ? { region } : {}),
    ...(vpc ? { vpc } : {}),
    ...(newVpc ? { newVpc } : {}),
    databaseTargets,
    secretArns,
    secretTagAccess,
    secretKmsKeyArns: list(raw, 'secretKmsKeyArns', 'secretKmsKeyArns', arn(ARN_KMS_KEY, 'a KMS key ARN')),
    rdsIamUsers: list(raw, 'rdsIamUsers', 'rdsIamUsers', (x, p) => {
      const u = obj(x, p);
      const user: RdsIamUser = {
        dbiResourceId: str(u, 'dbiResourceId', `${p}.dbiResourceId`, DBI_RESOURCE_ID),
        user: str(u, 'user', `${p}.user`, DB_USER),
      };
      if (u.region !== undefined) user.region = str(u, 'region', `${p}.region`, /^[a-z]{2}(-[a-z]+)+-\d$/);
      if (u.account !== undefined) user.account = str(u, 'account', `${p}.account`, /^\d{12}$/);
      return user;
    }),
    logInstanceArns: list(raw, 'logInstanceArns', 'logInstanceArns', arn(ARN_RDS_DB, 'an RDS DB instance ARN')),
    oidc,
    certificateArn: str(raw, 'certificateArn', 'certificateArn', ARN_ACM),
    consoleAllowedCidrs: list(raw, 'consoleAllowedCidrs', 'consoleAllowedCidrs', cidr),
    ...(imageUri ? { imageUri } : {}),
    redisPrefix: str(raw, 'redisPrefix', 'redisPrefix', /^[A-Za-z0-9_.:-]{1,80}$/, 'prm'),
    logRetentionDays: retentionDays(raw.logRetentionDays, bad),
    monitor,
    metadataDb: {
      instanceClass: str(dbRaw, 'instanceClass', 'metadataDb.instanceClass', /^[a-z0-9]+\.[a-z0-9]+$/, 't4g.small'),
      allocatedStorageGiB: int(dbRaw, 'allocatedStorageGiB', 'metadataDb.allocatedStorageGiB', 20, 65536, 20),
      multiAz: bool(dbRaw, 'multiAz', 'metadataDb.multiAz', true),
      deletionProtection: bool(dbRaw, 'deletionProtection', 'metadataDb.deletionProtection', true),
    },
    redis: {
      nodeType: str(redisRaw, 'nodeType', 'redis.nodeType', /^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'cache.t4g.small'),
      replicas: int(redisRaw, 'replicas', 'redis.replicas', 1, 5, 1),
    },
    gatewayEcsExec: bool(raw, 'gatewayEcsExec', 'gatewayEcsExec', true),
    ...(bootstrapSsmPath ? { bootstrapSsmPath } : {}),
    bootstrapSsmKmsKeyArns,
  };
  if (problems.length > 0) throw new PrmConfigError(problems);
  return config;
}

/** CloudWatch Logs accepts only these retention periods, days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

function retentionDays(v: unknown, bad: (path: string, reason: string) => void): number {
  if (v === undefined) return 30;
  if (typeof v !== 'number' || !(LOG_RETENTION_DAYS as readonly number[]).includes(v)) {
    bad('logRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
    return 30;
  }
  return v;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
