/**
 * The layer rules of DESIGN.md, checked by `npm test`: imports point down
 * (core ← net, doing, fs ← http ← app ← testing ← cli), net and doing are siblings
 * that never import each other (nor fs, the file sources), and there is no import cycle, type-only
 * imports included.
 */
const layer = (from, forbidden, comment) => ({
  name: `${from}-imports-up`,
  comment,
  severity: 'error',
  from: { path: `^src/${from}/` },
  to: { path: `^src/(${forbidden.join('|')})(/|\\.ts$)` },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    layer('core', ['net', 'doing', 'fs', 'http', 'app', 'testing', 'cli', 'index'], 'core knows nothing above it.'),
    layer('net', ['doing', 'fs', 'http', 'app', 'testing', 'cli', 'index'], 'net sits on core only.'),
    layer('doing', ['net', 'fs', 'http', 'app', 'testing', 'cli', 'index'], 'doing sits on core only.'),
    layer('fs', ['net', 'doing', 'http', 'app', 'testing', 'cli', 'index'], 'fs (file sources) sits on core only.'),
    layer('http', ['app', 'testing', 'cli', 'index'], 'http uses core, net and doing.'),
    layer('app', ['testing', 'cli', 'index'], 'app (the application server) uses http and what is below it.'),
    layer('testing', ['cli', 'index'], 'testing sits below the CLI.'),
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
