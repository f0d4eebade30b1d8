import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

/**
 * Injected at the top of every function bundle (see bundling.ts): stack traces point at
 * the TypeScript, through the source map shipped beside the bundle, read the first time a
 * stack is formatted.
 *
 * Node's own `--enable-source-maps` reads and decodes the map while the bundle loads:
 * 4–9 ms of every cold start, measured here, for maps most containers never need. Here
 * that cost moves to the first error whose stack anyone reads. Frames in files without a
 * map beside them (Node's own) keep V8's text.
 */
const maps = new Map<string, SourceMap | null>();

function mapFor(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  return map;
}

interface Frame {
  /** V8's text for the frame, its location mapped when a map covers it. */
  text: string;
  mapped: boolean;
  /** The name written at the frame's position in the source: what its call names. */
  name?: string;
}

function frameOf(site: NodeJS.CallSite): Frame {
  const text = site.toString();
  const file = site.getFileName();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!file || line === null || column === null) return { text, mapped: false };
  const entry = mapFor(file)?.findEntry(line - 1, column - 1);
  if (!entry || !('originalSource' in entry)) return { text, mapped: false };
  // esbuild writes sources relative to the map (`../../shared/platform/http.ts`).
  const source = entry.originalSource.replace(/^(\.\.\/)+/, '');
  // Node answers the name written at that place too; @types/node leaves it out.
  const { name } = entry as { name?: string };
  const original = `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  return { text: text.replace(`${file}:${line}:${column}`, original), mapped: true, name };
}

Error.prepareStackTrace = (error, sites) => {
  let heading: string;
  try {
    heading = String(error);
  } catch {
    heading = 'Error';
  }
  const frames = sites.map(frameOf);
  const lines = frames.map(({ text, mapped }, i) => {
    // A mapped frame's own name is minified; the call in the frame below it names it as written.
    const minified = sites[i]!.getFunctionName();
    const written = frames[i + 1]?.name;
    const call = text.lastIndexOf(' (');
    if (!mapped || !minified || !written || call < 0 || !text.slice(0, call).endsWith(minified)) return text;
    return `${text.slice(0, call - minified.length)}${written}${text.slice(call)}`;
  });
  return [heading, ...lines.map((line) => `    at ${line}`)].join('\n');
};
