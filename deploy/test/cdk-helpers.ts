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
const SCOPED_SERVICES = /^(secretsmanager|rds|rds-db):/i;

/**
 * Every IAM statement (inline policies, managed policies, role policies) that allows a Secrets Manager, RDS or
 * RDS IAM action (or `*`) on `Resource: "*"`, as `<logical id>: <actions>`. Empty means the template is clean.
 */
export function wildcardResourceStatements(template: CfnTemplate): string[] {
  const found: string[] = [];
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
      for (const st of (doc as { Statement: Record<string, unknown>[] }).Statement) {
        if (st.Effect !== 'Allow') continue;
        const actions = [st.Action ?? st.NotAction].flat() as string[];
        const resources = [st.Resource ?? st.NotResource].flat();
        const scoped = actions.filter(
          (a) => a === '*' || SCOPED_SERVICES.test(a) || /^(secretsmanager|rds|rds-db):?\*$/.test(a),
        );
        if (scoped.length > 0 && (resources.includes('*') || st.NotResource !== undefined)) {
          found.push(`${id}: ${scoped.join(', ')}`);
        }
      }
    }
  }
  return found;
}
