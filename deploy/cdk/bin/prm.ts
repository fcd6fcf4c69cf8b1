import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { parsePrmConfig } from '../lib/config.js';
import { PrmStack } from '../lib/prm-stack.js';

// CDK app entry (run by `npx cdk synth|deploy` in deploy/cdk, see cdk.json and docs/deploy.md).
// Settings: context `prm` (an inline object, e.g. in cdk.context.json) or the JSON file named by context
// `prmConfig` (default config/example.json, relative to deploy/cdk). Account and region: CDK_DEFAULT_ACCOUNT /
// CDK_DEFAULT_REGION when set, else the file's `account` / `region`. Nothing here calls AWS.
const app = new App();
const inline: unknown = app.node.tryGetContext('prm');
const file = String(app.node.tryGetContext('prmConfig') ?? 'config/example.json');
const raw: unknown =
  inline === undefined
    ? JSON.parse(readFileSync(resolve(file), 'utf8'))
    : typeof inline === 'string'
      ? JSON.parse(inline)
      : inline;
const config = parsePrmConfig(raw);

const account = process.env.CDK_DEFAULT_ACCOUNT ?? config.account;
const region = process.env.CDK_DEFAULT_REGION ?? config.region;
if (!account || !region) {
  throw new Error('prm: set CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION, or account and region in the config file');
}

new PrmStack(app, config.stackName, {
  env: { account, region },
  config,
  ...(config.imageUri ? {} : { image: ecs.ContainerImage.fromAsset(repositoryRoot(), { file: 'deploy/Dockerfile' }) }),
  description: 'prm: PostgreSQL Replication Manager on ECS Fargate',
});
app.synth();

/** The directory holding prm's package.json (the Docker build context), searched upwards from the working directory. */
function repositoryRoot(): string {
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'prm') return dir;
    if (dirname(dir) === dir)
      throw new Error('prm: run the CDK app inside the prm repository (no package.json named prm)');
  }
}
