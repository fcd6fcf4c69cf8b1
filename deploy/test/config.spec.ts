import { isIpv4Cidr, parsePrmConfig, PrmConfigError, ssmPathProblem } from '../cdk/lib/config.js';
import { exampleConfig } from './cdk-helpers.js';

function problems(raw: unknown): string[] {
  try {
    parsePrmConfig(raw);
  } catch (err) {
    if (err instanceof PrmConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('parsePrmConfig', () => {
  it('accepts the example and fills defaults', () => {
    const config = parsePrmConfig(exampleConfig());
    expect(config).toMatchObject({
      stackName: 'Prm',
      secretTagAccess: false,
      redisPrefix: 'prm',
      logRetentionDays: 30,
      oidc: {
        scope: 'openid email profile',
        sessionTimeoutSeconds: 3600,
        roleGroups: 'admin=prm-admins;operator=prm-operators;viewer=prm-viewers',
        groupsClaim: 'groups',
      },
      metadataDb: { instanceClass: 't4g.small', multiAz: true, deletionProtection: true },
      redis: { nodeType: 'cache.t4g.small', replicas: 1 },
      gatewayEcsExec: true,
    });
    expect(config.databaseTargets[1]).toEqual({
      cidr: '10.40.8.0/22',
      ports: [5432, 5433],
      description: 'analytics subnets',
    });
  });

  it('creates a VPC with defaults when none is given', () => {
    const raw = exampleConfig();
    delete raw.vpc;
    expect(parsePrmConfig(raw).newVpc).toEqual({ cidr: '10.80.0.0/16', maxAzs: 2, natGateways: 1 });
  });

  it('names every bad field with its path', () => {
    const raw = exampleConfig();
    raw.newVpc = {};
    raw.databaseTargets = [
      { cidr: '0.0.0.0/0', ports: [5432, 70000] },
      { cidr: '10.0.0.0/33', ports: [] },
    ];
    raw.secretArns = ['arn:aws:secretsmanager:eu-west-1:111111111111:secret:*', 'not-an-arn'];
    raw.rdsIamUsers = [{ dbiResourceId: 'prod-db', user: 'prm' }];
    raw.logInstanceArns = ['arn:aws:rds:eu-west-1:111111111111:cluster:orders'];
    raw.oidc = { issuer: 'http://login.example.com' };
    raw.logRetentionDays = 31;
    raw.monitor = { minTasks: 4, maxTasks: 2 };
    raw.secretKmsKeyArns = 'arn:aws:kms:eu-west-1:111111111111:key/abc';
    expect(problems(raw)).toEqual(
      expect.arrayContaining([
        'vpc: give either vpc (existing) or newVpc, not both',
        'databaseTargets[0].ports[1]: must be a TCP port 1-65535',
        'databaseTargets[0].cidr: must not be 0.0.0.0/0 (egress only to database networks)',
        'databaseTargets[1].ports: needs at least one port',
        'databaseTargets[1].cidr: must be an IPv4 CIDR such as 10.0.0.0/16',
        'secretArns[0]: must name a secret, not every secret',
        'secretArns[1]: must be a Secrets Manager secret ARN',
        'rdsIamUsers[0].dbiResourceId: must match ^(db|cluster)-[A-Z0-9]+$',
        'logInstanceArns[0]: must be an RDS DB instance ARN',
        'oidc.issuer: must match ^https:\\/\\/\\S+$',
        'oidc.clientId: must be a non-empty string',
        expect.stringMatching(/^logRetentionDays: must be one of 1, 3, 5, 7, 14, 30/),
        'monitor.maxTasks: must be ≥ monitor.minTasks',
        'secretKmsKeyArns: must be an array',
      ]),
    );
  });

  it('needs database targets and some secret access', () => {
    const raw = exampleConfig();
    raw.databaseTargets = [];
    raw.secretArns = [];
    expect(problems(raw)).toEqual([
      'databaseTargets: needs at least one database CIDR with its ports',
      'secretArns: give secret ARNs or set secretTagAccess (tag prm-access=true)',
    ]);
  });

  it('checks an existing VPC description (two zones, one subnet and route table each)', () => {
    const raw = exampleConfig();
    raw.vpc = {
      vpcId: 'vpc-123',
      vpcCidrBlock: '10.0.0.0',
      availabilityZones: ['eu-west-1a'],
      privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
      privateSubnetRouteTableIds: ['rtb-0a1b2c3d4e5f60001'],
    };
    expect(problems(raw)).toEqual([
      'vpc.vpcId: must match ^vpc-[0-9a-f]{8,17}$',
      'vpc.privateSubnetRouteTableIds: needs one route table per private subnet, in the same order',
      'vpc.vpcCidrBlock: must be an IPv4 CIDR such as 10.0.0.0/16',
      'vpc.availabilityZones: needs at least 2 (RDS and Redis span two)',
      'vpc.privateSubnetIds: needs one subnet per availability zone, in the same order',
    ]);
  });

  it('takes one exact SSM path for the endpoint bootstrap, never a wildcard', () => {
    expect(parsePrmConfig(exampleConfig())).toMatchObject({
      bootstrapSsmPath: '/prm/endpoints',
      bootstrapSsmKmsKeyArns: [],
    });
    for (const [path, reason] of [
      ['/prm/*', 'must be one exact path, without wildcards'],
      ['/prm/endpoints*', 'must be one exact path, without wildcards'],
      ['/', 'must be an absolute path such as /prm/endpoints (letters, digits, _ . -)'],
      ['prm/endpoints', 'must be an absolute path such as /prm/endpoints (letters, digits, _ . -)'],
      ['/prm/endpoints/', 'must be an absolute path such as /prm/endpoints (letters, digits, _ . -)'],
      ['/prm endpoints', 'must be an absolute path such as /prm/endpoints (letters, digits, _ . -)'],
      ['/aws/service/x', 'must not start with the reserved prefixes aws or ssm'],
      ['/SSM-things', 'must not start with the reserved prefixes aws or ssm'],
      [`/${Array(15).fill('l').join('/')}`, 'must have fewer than 15 levels'],
    ]) {
      expect(ssmPathProblem(path!)).toBe(reason);
      const raw = exampleConfig();
      raw.bootstrapSsmPath = path;
      expect(problems(raw)).toEqual([`bootstrapSsmPath: ${reason}`]);
    }
    expect(ssmPathProblem('/acme/prm-1/endpoints_v2.x')).toBeNull();
  });

  it('takes SSM KMS keys only as key ARNs and only with a bootstrap path', () => {
    const raw = exampleConfig();
    raw.bootstrapSsmKmsKeyArns = ['alias/aws/ssm'];
    expect(problems(raw)).toEqual(['bootstrapSsmKmsKeyArns[0]: must be a KMS key ARN']);
    delete raw.bootstrapSsmPath;
    raw.bootstrapSsmKmsKeyArns = ['arn:aws:kms:eu-west-1:111111111111:key/abc-1'];
    expect(problems(raw)).toEqual(['bootstrapSsmKmsKeyArns: only used with bootstrapSsmPath']);
    raw.bootstrapSsmPath = '';
    expect(problems(raw)).toEqual([
      'bootstrapSsmPath: must be a non-empty string',
      'bootstrapSsmKmsKeyArns: only used with bootstrapSsmPath',
    ]);
  });

  it('rejects a non-object', () => {
    expect(problems([])).toEqual(['(root): must be a JSON object']);
    expect(() => parsePrmConfig('x')).toThrow('invalid prm deployment config: (root): must be a JSON object');
  });

  it('isIpv4Cidr checks octets and prefix', () => {
    expect(['10.0.0.0/8', '192.168.1.0/24', '0.0.0.0/0'].every(isIpv4Cidr)).toBe(true);
    expect(['10.0.0.256/8', '10.0.0.0/33', '10.0.0.0', 42, 'fd00::/8'].some(isIpv4Cidr)).toBe(false);
  });
});
