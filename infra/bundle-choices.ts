/**
 * The esbuild choices every function bundle is built with: the deployed ones
 * (bundling.ts) and the local runtime's (local/function-bundles.ts). Kept apart from
 * bundling.ts, which loads the CDK and the OpenAPI document, so the local runtime can
 * read them cheaply.
 */
export const choices = {
  target: 'node24',
  minify: true,
  // Stack traces point at the TypeScript through the map, which Node reads when the
  // function runs with NODE_OPTIONS=--enable-source-maps (set on every function, see
  // aws/functions.ts). Leaving the sources out of the map keeps it small; the line
  // numbers are what matter.
  sourcemap: true,
  sourcesContent: false,
  // Packages' ES module builds tree-shake better than their CommonJS ones.
  mainFields: ['module', 'main'],
  // CommonJS output, not ESM: an ES module's `import … from 'node:http'` builds a module
  // namespace of every export of node:http, and reading its lazy `WebSocket` getter loads
  // Node's internal undici: ~70 ms of every cold start, measured here (Node 24). A CommonJS
  // bundle `require`s the built-in and reads only what it uses.
  format: 'cjs' as const,
  // Nothing is external: one minified file loads faster than many, and Lambda's own copy
  // of the AWS SDK is whatever version the runtime ships, not the one tested here.
  external: [] as string[],
  // A module finds files it ships with from its own file (see docs-page.ts); in a
  // CommonJS bundle that file is `__filename`, the bundle itself.
  define: { 'import.meta.filename': '__filename' },
};
