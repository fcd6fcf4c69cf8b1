import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// The runtime image installs `npm ci --omit=dev`: a devDependency imported by shipped code would crash the container
// at start. Checks every value import (static, re-export, dynamic) of services/ and libs/ (not libs/testing, not
// tests). Type-only imports are skipped; any other import is counted even if TypeScript would elide it, so the check
// is a superset of what dist/ loads.
const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return /\.ts$/.test(name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name) ? [path] : [];
  });
}

/** Bare package specifiers a file loads at run time. */
export function runtimeImports(code: string): string[] {
  const file = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2023, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings : undefined;
      const typeOnly =
        clause?.isTypeOnly === true ||
        (clause !== undefined && !clause.name && named !== undefined && named.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found.filter((s) => !s.startsWith('.') && !s.startsWith('@prm/'));
}

const packageName = (spec: string): string =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

describe('shipped code imports only production dependencies', () => {
  const files = [...sourceFiles(join(root, 'services')), ...sourceFiles(join(root, 'libs'))].filter(
    (f) => !relative(root, f).startsWith('libs/testing/'),
  );

  it('finds the shipped sources', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('every bare import is a Node builtin or in package.json "dependencies"', () => {
    const missing = files.flatMap((f) =>
      runtimeImports(readFileSync(f, 'utf8'))
        .filter((spec) => !builtins.has(spec) && !builtins.has(packageName(spec)))
        .filter((spec) => !(packageName(spec) in pkg.dependencies))
        .map((spec) => `${relative(root, f)}: ${spec}`),
    );
    expect(missing).toEqual([]);
  });

  it('tells value imports from type-only ones', () => {
    const code = [
      "import type { A } from 'dev-a';",
      "import { type B, type C } from 'dev-b';",
      "import { D, type E } from 'prod-d';",
      "import F from 'prod-f';",
      "export * from 'prod-g';",
      "export type { H } from 'dev-h';",
      "const i = await import('prod-i');",
      "import { j } from './local.js';",
      "import { k } from '@prm/contracts';",
    ].join('\n');
    expect(runtimeImports(code)).toEqual(['prod-d', 'prod-f', 'prod-g', 'prod-i']);
  });
});
