// The import graph of the product reads one way (design.md, issue 13):
//   controller/model  ←  config, source, kube, cdk, audit, host  ←  reconcile  ←  server, cli
// The few small files at the top of controller/ (log, duration, package-root) sit beside the
// model as the shared kernel. `npm run lint` runs this; test/unit/lint/layering.test.ts proves each
// rule bites on a fixture tree. Paths are relative to the folder depcruise runs in.
const kernel = '^controller/(model/|log\\.ts$|duration\\.ts$|package-root\\.ts$)';
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
      comment: 'log, duration and package-root sit beside the model and import only it and each other.',
      from: { path: '^controller/(log|duration|package-root)\\.ts$' },
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
        'source, kube, audit, host, shard, notify and telemetry know the model, the kernel and the config shapes (config/types), never each other, cdk, or anything above.',
      from: { path: '^controller/(source|kube|audit|host|shard|notify|telemetry)/' },
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
      name: 'synth-and-deploy-apart',
      severity: 'error',
      comment:
        'cdk/synth (the sandbox that runs repository code) and cdk/deploy (CloudFormation with credentials) never import each other: only cdk/create-aws-applier joins them, so the code that runs hostile apps stays small and apart.',
      from: { path: '^cdk/(synth|deploy)/' },
      to: { path: '^cdk/(synth|deploy)/', pathNot: '^cdk/$1/' },
    },
    {
      name: 'install-imports-only-kube-and-config',
      severity: 'error',
      comment:
        'install writes the objects cairn runs as: it knows the model, the config and the Kubernetes seam, never the reconciler, the server or the CLI that drives it.',
      from: { path: '^controller/install/' },
      to: {
        path: '^(controller|cdk|test|examples)/',
        pathNot: [kernel, '^controller/(config|kube|install)/'],
      },
    },
    {
      name: 'cli-is-the-top',
      severity: 'error',
      comment:
        'Nothing of the product imports the CLI: it is the entry point, and commands are loaded lazily from it.',
      from: { path: product, pathNot: '^controller/cli/' },
      to: { path: '^controller/cli/' },
    },
    {
      name: 'kubernetes-client-in-its-seam',
      severity: 'error',
      comment:
        'Only the Kubernetes seams (kube, shard) load @kubernetes/client-node, and the one kubeconfig loader they share (model/kubeconfig-source.ts): the rest speaks their interfaces.',
      from: {
        path: product,
        pathNot: ['^controller/(kube|shard)/', '^controller/model/kubeconfig-source\\.ts$'],
      },
      to: { path: '@kubernetes/client-node' },
    },
    {
      name: 'aws-sdk-in-its-seam',
      severity: 'error',
      comment: 'Only cdk/ and the DynamoDB ledger load the AWS SDK.',
      from: { path: product, pathNot: '^(cdk/|controller/audit/)' },
      to: { path: '@aws-sdk/' },
    },
    {
      name: 'git-libraries-in-their-seam',
      severity: 'error',
      comment: 'Only controller/source loads isomorphic-git and simple-git.',
      from: { path: product, pathNot: '^controller/source/' },
      to: { path: '(isomorphic-git|simple-git)' },
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
      name: 'ui-app-imports-only-types',
      severity: 'error',
      comment:
        'controller/ui/app runs in the browser: of cairn it imports only types (the API answers it reads), never code that would drag the controller into the bundle.',
      from: { path: '^controller/ui/app/' },
      to: { path: '^(controller|cdk)/', pathNot: '^controller/ui/app/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ui-app-libraries-only-preact',
      severity: 'error',
      comment: 'The browser bundle is Preact and our code; every other package would ship to each browser.',
      from: { path: '^controller/ui/app/' },
      to: { path: 'node_modules/', pathNot: 'node_modules/preact/' },
    },
    {
      name: 'ui-app-apart',
      severity: 'error',
      comment:
        'The server serves the built bundle as files; no module of the controller imports the browser code, and only it loads Preact.',
      from: { path: product, pathNot: '^controller/ui/app/' },
      to: { path: ['^controller/ui/app/', 'node_modules/preact/'] },
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
    // node_modules is not followed but kept: the library rules read the edges into it. Only the
    // build's own dist/ is left out (a library's dist/ folder is where its entry point lives).
    exclude: { path: '^dist/|(^|/)cdk\\.out/' },
    // Type-only imports couple modules as much as value imports do; count them.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
