import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { NotFound } from './errors';

/**
 * The API reference: Swagger UI (`swagger-ui-dist`, as published) rendering /openapi.json,
 * with try-it requests. The page, its script and its style sheet all come from Junction's
 * own routes, never a CDN, so the page works offline and under a policy that runs scripts
 * from this origin only, none of them inline.
 *
 * Every URL is relative (the page is /docs, its files /docs/…, the document /openapi.json),
 * so the page names no host: it works on whatever URL a deployment has.
 */

/**
 * The viewer's files. They ship beside the docs-asset function's bundle, not inside it
 * (1.8 MiB of script would break the 1 MiB bundle budget): see `packageFiles` in
 * infra/functions.ts.
 */
export const viewer = {
  package: 'swagger-ui-dist',
  /** What the page links, served at /docs/{name}. */
  served: ['swagger-ui-bundle.js', 'swagger-ui.css', 'swagger-ui-bundle.js.LICENSE.txt'],
  /** Shipped too: the licence and notice Apache-2.0 asks a redistribution to carry, and the manifest. */
  shipped: ['LICENSE', 'NOTICE', 'package.json'],
} as const;

/** Starts Swagger UI on the document; a file of its own, so no script is inline. */
const initScript = `window.ui = SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  displayOperationId: true,
  // Swagger UI would otherwise send the document to validator.swagger.io for a badge.
  validatorUrl: null,
});
`;

/** What the page may load and run: this origin's files, its data: icons, and requests to this origin. */
export const docsPagePolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // Swagger UI's style sheet draws its icons from data: URIs.
  "img-src 'self' data:",
  // The document and the try-it requests, which go to this Junction (the `/` server).
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The same for every deployment: Swagger UI shows the document's title and version, so
 * the page needs no copy of the document (and its function loads none).
 */
export const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Junction API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<noscript><h1>Junction API reference</h1><p>This reference runs Swagger UI, which needs JavaScript. The document itself: <a href="openapi.json">openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body></html>
`;

export interface DocsAsset {
  body: string;
  contentType: string;
  etag: string;
}

const contentTypes: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

/**
 * Resolved as Node resolves a dependency, from this module's file: the repo's
 * node_modules when the source runs locally, the copy beside the bundle in Lambda (a
 * bundle's `import.meta.filename` is its own file, see infra/bundling.ts).
 */
const packageRequire = createRequire(import.meta.filename);

const loaded = new Map<string, DocsAsset>();

/** One of the page's files by the name the page links it with; read once per container. */
export function docsAsset(name: string): DocsAsset {
  let asset = loaded.get(name);
  if (!asset) {
    const body =
      name === 'init.js'
        ? initScript
        : (viewer.served as readonly string[]).includes(name)
          ? readFileSync(packageRequire.resolve(`${viewer.package}/${name}`), 'utf8')
          : undefined;
    if (body === undefined) throw new NotFound(`the API reference has no file named ${name}`);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    asset = { body, contentType: contentTypes[name.slice(name.lastIndexOf('.') + 1)]!, etag };
    loaded.set(name, asset);
  }
  return asset;
}
