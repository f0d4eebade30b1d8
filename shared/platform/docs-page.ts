/**
 * The API reference as one self-contained HTML page, rendered on the server from the
 * OpenAPI document: no script, no CDN, so it works offline and under a strict CSP.
 */
interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  'x-junction-scope'?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
}

interface Document {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderDocsPage(doc: Document): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags?.[0] ?? 'Other';
      const auth = op.security?.length === 0 ? 'no API key' : `scope: ${op['x-junction-scope'] ?? 'any'}`;
      const params = (op.parameters ?? [])
        .map((p) => `<li><code>${escape(p.name)}</code> (${p.in}${p.required ? ', required' : ''})</li>`)
        .join('');
      const body = op.requestBody?.content?.['application/json']?.schema;
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><b>${status}</b> ${escape(r.description ?? '')}</li>`)
        .join('');
      const html = `<section class="op">
  <h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>
  <p>${escape(op.summary ?? '')} <small>(${escape(auth)})</small></p>
  ${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}
  ${body ? `<h4>Body</h4><pre>${escape(JSON.stringify(body, null, 2))}</pre>` : ''}
  <h4>Responses</h4><ul>${responses}</ul>
</section>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(([name, schema]) => `<h3 id="schema-${escape(name)}">${escape(name)}</h3><pre>${escape(JSON.stringify(schema, null, 2))}</pre>`)
    .join('');
  const sections = [...byTag.entries()]
    .map(([tag, ops]) => `<h2>${escape(tag)}</h2>${ops.join('')}`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)} ${escape(doc.info.version)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
.op{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.5rem;font-size:.8rem;color:#fff;border-radius:3px;padding:.1rem .4rem;text-align:center;background:#555}
.get{background:#0a7}.post{background:#06c}.put,.patch{background:#c70}.delete{background:#c22}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:.8rem}
</style></head>
<body><h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
${sections}<h2>Schemas</h2>${schemas}</body></html>`;
}
