// Three projects: unit (no real parts), integration and e2e (the sandbox's real kube-apiserver,
// moto_server and git). The package is CommonJS; ESM-only dependencies are transformed by swc.
const esmOnly = [
  '@kubernetes/client-node',
  'chokidar',
  'readdirp',
  'p-limit',
  'yocto-queue',
  'openid-client',
  'oauth4webapi',
  'jose',
  'isomorphic-git',
];
const base = {
  transform: {
    '^.+\\.(t|j|mj)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  // The sandbox's state (etcd's *.snap files among it) is no part of the tests: jest would count
  // etcd snapshots as obsolete jest snapshots and fail a green run.
  modulePathIgnorePatterns: ['<rootDir>/.sandbox/'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testEnvironment: 'node',
};
const sandbox = {
  globalSetup: '<rootDir>/test/sandbox/global-setup.ts',
  globalTeardown: '<rootDir>/test/sandbox/global-teardown.ts',
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      ...sandbox,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    { ...base, ...sandbox, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
