import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Repository root (jest runs from it). */
const root = resolve(process.cwd());

/**
 * Checks the build outputs the browser tests use, once for all of them: the all-in-one server
 * (`npm run build:server`) must exist; the console is built when `dist/console/browser/index.html` is missing.
 * @throws Error naming the missing build and the command that makes it
 */
export default function globalSetup(): void {
  const server = resolve(root, 'dist/services/all-in-one/src/main.js');
  if (!existsSync(server)) {
    throw new Error(`${server} is missing: run \`npm run build:server\` before the browser tests`);
  }
  if (!existsSync(resolve(root, 'dist/console/browser/index.html'))) {
    execFileSync('npm', ['run', 'build:console'], { cwd: root, stdio: 'inherit' });
  }
}
