import { readFileSync } from 'node:fs';

/** The parts of a synthesized CloudFormation template the deploy tests read. */
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** A fresh copy of deploy/cdk/config/example.json (tests mutate it). */
export function exampleConfig(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../cdk/config/example.json', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** IAM action prefixes whose statements must always name their resources (never `Resource: "*"`). */
const SCOPED_SERVICES = /^(secretsmanager|rds|rds-db|ssm|kms):/i;

type Statement = Record<string, unknown>;

/** Every Allow statement of the template's IAM policies (inline, managed, role policies) with its logical id. */
function allowStatements(template: CfnTemplate): { id: string; st: Statement }[] {
  const found: { id: string; st: Statement }[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(resource.Properties.PolicyDocument);
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const p of (resource.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) {
        documents.push(p.PolicyDocument);
      }
    }
    for (const doc of documents) {
      for (const st of (doc as { Statement: Statement[] }).Statement) if (st.Effect === 'Allow') found.push({ id, st });
    }
  }
  return found;
}

/**
 * A CloudFormation string value as text: `Fn::Join` joined, refs as `${AWS::Region}` / `${LogicalId}`, attributes as
 * `${LogicalId.Attribute}`; anything else as its JSON.
 */
export function cfnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::GetAtt'?: string[]; 'Fn::Join'?: [string, unknown[]] } | null;
  if (typeof v?.Ref === 'string') return `\${${v.Ref}}`;
  if (Array.isArray(v?.['Fn::GetAtt'])) return `\${${v['Fn::GetAtt'].join('.')}}`;
  if (v?.['Fn::Join']) return v['Fn::Join'][1].map(cfnText).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}

/**
 * Grants that let a role read SSM parameters outside the hierarchy `path` (e.g. `/prm/endpoints`), as
 * `<logical id>: <what>`: an `ssm:` action (or `*`, `ssm:*`) on any resource other than the path's own ARN or
 * `<path ARN>/*` in this account and region (so `*`, `parameter/*`, `parameter/prm*` or a sibling such as
 * `/prm/endpoints-old` are reported), and a `kms:Decrypt` via SSM whose `kms:EncryptionContext:PARAMETER_ARN`
 * condition is missing or reaches beyond the path. Empty means the template reads exactly that path.
 */
export function ssmGrantsBeyondPath(template: CfnTemplate, path: string): string[] {
  const arn = `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${path}`;
  const allowed = new Set([arn, `${arn}/*`]);
  const found: string[] = [];
  for (const { id, st } of allowStatements(template)) {
    const actions = [st.Action ?? st.NotAction].flat() as string[];
    const resources = [st.Resource ?? st.NotResource].flat().map(cfnText);
    if (actions.some((a) => a === '*' || /^ssm:/i.test(a))) {
      const outside = st.NotResource !== undefined ? resources : resources.filter((r) => !allowed.has(r));
      for (const r of outside) found.push(`${id}: ${actions.join(', ')} on ${r}`);
    }
    const viaSsm = JSON.stringify(st.Condition ?? {}).includes('"ssm.');
    if (actions.some((a) => a === '*' || /^kms:(Decrypt|\*)$/i.test(a)) && viaSsm) {
      const like = (st.Condition as Record<string, Record<string, unknown>>).StringLike?.[
        'kms:EncryptionContext:PARAMETER_ARN'
      ];
      const scopes = like === undefined ? [] : [like].flat().map(cfnText);
      if (scopes.length === 0) found.push(`${id}: kms:Decrypt via SSM without a PARAMETER_ARN condition`);
      for (const s of scopes.filter((x) => !allowed.has(x))) found.push(`${id}: kms:Decrypt via SSM for ${s}`);
    }
  }
  return found;
}

/**
 * Every IAM statement (inline policies, managed policies, role policies) that allows a Secrets Manager, RDS,
 * RDS IAM, SSM or KMS action (or `*`) on `Resource: "*"`, as `<logical id>: <actions>`. Empty means the template is
 * clean.
 */
export function wildcardResourceStatements(template: CfnTemplate): string[] {
  const found: string[] = [];
  for (const { id, st } of allowStatements(template)) {
    const actions = [st.Action ?? st.NotAction].flat() as string[];
    const resources = [st.Resource ?? st.NotResource].flat();
    const scoped = actions.filter(
      (a) => a === '*' || SCOPED_SERVICES.test(a) || /^(secretsmanager|rds|rds-db|ssm|kms):?\*$/.test(a),
    );
    if (scoped.length > 0 && (resources.includes('*') || st.NotResource !== undefined)) {
      found.push(`${id}: ${scoped.join(', ')}`);
    }
  }
  return found;
}
