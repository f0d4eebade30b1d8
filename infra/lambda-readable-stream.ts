import { pipeline as nodePipeline } from 'node:stream';

/**
 * Stands in for `readable-stream` in function bundles (see bundling.ts). The Encryption
 * SDK's Node packages stream through it, and it is a copy of Node's own streams as they
 * were in Node 10: ~40 KiB more to parse at every cold start. The package itself can hand
 * out Node's streams instead (its `READABLE_STREAM=disable` switch); this makes that
 * choice when the bundle is built. The tests seal and open a secret through a bundle.
 */
export { Duplex, finished, PassThrough, Readable, Stream, Transform, Writable } from 'node:stream';

/** The copy's `pipeline` takes its callback as optional (the SDK's encrypt stream leaves it out); Node's requires one. */
export function pipeline(...streams: unknown[]) {
  const args = typeof streams.at(-1) === 'function' ? streams : [...streams, () => {}];
  return (nodePipeline as (...all: unknown[]) => unknown)(...args);
}
