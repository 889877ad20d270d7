// The import graph of the product reads one way (design.md, issue 13):
//   controller/model  ←  config, source, kube, cdk, audit, host  ←  reconcile  ←  server, cli
// The few small files at the top of controller/ (errors, log, duration, package-root) sit beside the
// model as the shared kernel. `npm run lint` runs this; test/unit/lint/layering.test.ts proves each
// rule bites on a fixture tree. Paths are relative to the folder depcruise runs in.
const kernel = '^controller/(model/|errors\\.ts$|log\\.ts$|duration\\.ts$|package-root\\.ts$)';
const product = '^(controller|cdk)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one: neither can be understood, tested or moved alone.',
      from: { path: product },
      to: { circular: true },
    },
    {
      name: 'model-imports-nothing',
      severity: 'error',
      comment: 'controller/model is the bottom of the graph: it imports nothing of cairn but itself.',
      from: { path: '^controller/model/' },
      to: { path: '^(controller|cdk|test|examples)/', pathNot: '^controller/model/' },
    },
    {
      name: 'kernel-imports-only-kernel',
      severity: 'error',
      comment:
        'errors, log, duration and package-root sit beside the model and import only it and each other.',
      from: { path: '^controller/(errors|log|duration|package-root)\\.ts$' },
      to: { path: '^(controller|cdk|test|examples)/', pathNot: kernel },
    },
    {
      name: 'cdk-imports-only-model',
      severity: 'error',
      comment:
        'cdk/ is the AWS half, usable alone: it imports controller/model and its own files, nothing else of cairn.',
      from: { path: '^cdk/' },
      to: { path: '^(controller|test|examples)/', pathNot: '^controller/model/' },
    },
    {
      name: 'config-imports-only-kernel',
      severity: 'error',
      comment:
        'config is the lowest of the middle layer: it reads the file and the schema, and knows no other module.',
      from: { path: '^controller/config/' },
      to: { path: '^(controller|cdk|test|examples)/', pathNot: [kernel, '^controller/config/'] },
    },
    {
      name: 'middle-layer-imports-no-peer',
      severity: 'error',
      comment:
        'source, kube, audit, host and shard know the model, the kernel and the config shapes (config/types), never each other, cdk, or anything above.',
      from: { path: '^controller/(source|kube|audit|host|shard)/' },
      to: {
        path: '^(controller|cdk|test|examples)/',
        pathNot: [kernel, '^controller/config/types\\.ts$', '^controller/$1/'],
      },
    },
    {
      name: 'reconcile-imports-no-upper-layer',
      severity: 'error',
      comment:
        'reconcile is the middle: it knows the interfaces below it, never the server or the CLI that drive it.',
      from: { path: '^controller/reconcile/' },
      to: { path: '^controller/(server|cli)/' },
    },
    {
      name: 'server-imports-no-cli',
      severity: 'error',
      comment: 'server and cli are both on top; the CLI starts the server, never the other way.',
      from: { path: '^controller/server/' },
      to: { path: '^controller/cli/' },
    },
    {
      name: 'product-imports-no-tooling',
      severity: 'error',
      comment:
        'The shipped product (controller/, cdk/) never imports tests, the sandbox, the demo or the examples: they are not in the package.',
      from: { path: product },
      to: { path: '^(test|examples)/' },
    },
    {
      name: 'product-imports-no-unknown-module',
      severity: 'error',
      comment: 'An import that resolves to nothing is a broken build waiting to happen.',
      from: { path: product },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|cdk\\.out)/' },
    // Type-only imports couple modules as much as value imports do; count them.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
