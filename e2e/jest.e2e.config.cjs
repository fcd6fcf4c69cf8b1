// Browser tests of the console (playwright-core + Debian's /usr/bin/chromium) against the real all-in-one backend
// and real PostgreSQL clusters. Run with `npm run test:e2e` after `npm run build` (server and console).
const { pathsToModuleNameMapper } = require('ts-jest');
const ts = require('typescript');
const path = require('node:path');

const rootDir = path.resolve(__dirname, '..');
const { config: tsconfig } = ts.readConfigFile(path.join(rootDir, 'tsconfig.json'), ts.sys.readFile);

/** @type {import('jest').Config} */
module.exports = {
  rootDir,
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: 'e2e/.*\\.e2e-spec\\.ts$',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(rootDir, 'tsconfig.json'), useESM: true }],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    ...pathsToModuleNameMapper(tsconfig.compilerOptions.paths, { prefix: '<rootDir>/' }),
  },
  // Cluster data dirs hold pg_logical/snapshots/*.snap files that jest would report as obsolete snapshots.
  modulePathIgnorePatterns: ['<rootDir>/.demo/', '<rootDir>/.tmp/', '<rootDir>/dist/'],
  watchPathIgnorePatterns: ['<rootDir>/.demo/', '<rootDir>/.tmp/'],
  testEnvironment: 'node',
  globalSetup: '<rootDir>/e2e/support/global-setup.ts',
  testTimeout: 180000,
  maxWorkers: 1,
  coverageProvider: 'v8',
  collectCoverage: false,
};
