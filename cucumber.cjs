// Profiles of the Gherkin conformance catalogue (features/). Run under tsx (the `loader` option does not
// work with cucumber-js 12):
//   node --import tsx node_modules/.bin/cucumber-js --profile default   # everything, simulator, virtual time
//   node --import tsx node_modules/.bin/cucumber-js --profile zmq       # @child and @parent, real ZeroMQ
//   node node_modules/.bin/cucumber-js --profile zmq-compiled           # the same, steps from dist/ (no tsx)
// Run `npm run build` first for speed: the zmq profile then starts the compiled reference worker (about 3x
// faster than the TypeScript source under tsx; the source is used whenever the build is older than src/).
// The CLI (src/cli) does not use this file: it passes its own options (compiled steps under dist/features)
// through @cucumber/cucumber/api. Both read the same worldParameters (features/support/world-parameters.ts).
const common = {
  paths: ['features/**/*.feature'],
  import: ['features/support/**/*.ts', 'features/steps/**/*.ts'],
  format: ['progress', 'summary'],
  strict: true,
};

const reference = { kind: 'reference' };

// The same steps compiled by `npm run build` (dist/features), loaded without tsx: a run starts in about
// 0.7 s of CPU instead of 2.5. For tests that start cucumber many times (harness/test/cli/broken-drivers).
const compiled = { import: ['dist/features/support/**/*.js', 'dist/features/steps/**/*.js'] };

module.exports = {
  default: { ...common, worldParameters: { transport: 'memory', target: reference, profile: 'v3' } },
  'default-v4': { ...common, worldParameters: { transport: 'memory', target: reference, profile: 'v4' } },
  // @internal scenarios need the simulator's virtual clock and are left out on real ZeroMQ.
  zmq: {
    ...common,
    tags: '(@child or @parent) and not @internal',
    worldParameters: { transport: 'zmq', target: reference, profile: 'v3' },
  },
  'zmq-v4': {
    ...common,
    tags: '(@child or @parent) and not @internal',
    worldParameters: { transport: 'zmq', target: reference, profile: 'v4' },
  },
  'zmq-compiled': {
    ...common,
    ...compiled,
    tags: '(@child or @parent) and not @internal',
    worldParameters: { transport: 'zmq', target: reference, profile: 'v3' },
  },
  'zmq-v4-compiled': {
    ...common,
    ...compiled,
    tags: '(@child or @parent) and not @internal',
    worldParameters: { transport: 'zmq', target: reference, profile: 'v4' },
  },
};
