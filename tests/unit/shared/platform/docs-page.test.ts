import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { docsAsset, docsPage, docsPagePolicy } from '../../../../shared/platform/docs-page';
import { NotFound } from '../../../../shared/platform/errors';

const installed = (file: string) => readFileSync(createRequire(import.meta.url).resolve(`swagger-ui-dist/${file}`), 'utf8');

describe('docsPage', () => {
  const html = docsPage;

  it('loads every script from a file of its own, none inline', () => {
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attributes, body]) => ({ attributes: attributes!.trim(), body }))).toEqual([
      { attributes: 'src="docs/swagger-ui-bundle.js"', body: '' },
      { attributes: 'src="docs/init.js"', body: '' },
    ]);
  });

  it('links only files served at /docs/{asset}, by relative URLs', () => {
    const linked = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url!).filter((url) => !url.startsWith('data:'));
    expect(linked.sort()).toEqual(['docs/init.js', 'docs/swagger-ui-bundle.js', 'docs/swagger-ui.css', 'openapi.json']);
    for (const url of linked.filter((u) => u.startsWith('docs/'))) expect(() => docsAsset(url.slice('docs/'.length))).not.toThrow();
  });
});

describe('docsPagePolicy', () => {
  it('runs scripts and styles from this origin only, with nothing inline or evaluated', () => {
    const directives = Object.fromEntries(docsPagePolicy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives).toMatchObject({ 'default-src': ["'none'"], 'script-src': ["'self'"], 'style-src': ["'self'"], 'connect-src': ["'self'"] });
    expect(docsPagePolicy).not.toMatch(/unsafe-|https?:|\*/);
  });
});

describe('docsAsset', () => {
  it("serves the viewer's files as the installed package has them", () => {
    expect(docsAsset('swagger-ui-bundle.js')).toMatchObject({ body: installed('swagger-ui-bundle.js'), contentType: 'text/javascript; charset=utf-8' });
    expect(docsAsset('swagger-ui.css')).toMatchObject({ body: installed('swagger-ui.css'), contentType: 'text/css; charset=utf-8' });
  });

  it("serves the page's own script, which starts Swagger UI on the document", () => {
    const init = docsAsset('init.js');
    expect(init.contentType).toBe('text/javascript; charset=utf-8');
    expect(init.body).toContain("url: 'openapi.json'");
    expect(init.body).toContain('validatorUrl: null');
  });

  it('gives each file an ETag of its content', () => {
    const css = docsAsset('swagger-ui.css');
    expect(css.etag).toMatch(/^"[\w-]{22}"$/);
    expect(css.etag).not.toBe(docsAsset('init.js').etag);
  });

  it.each(['index.html', 'package.json', 'LICENSE', '../package.json', 'swagger-ui-dist/swagger-ui.css', ''])(
    'answers NotFound for %j, which the page does not load',
    (name) => {
      expect(() => docsAsset(name)).toThrow(NotFound);
    },
  );
});
