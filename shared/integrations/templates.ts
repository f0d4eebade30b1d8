/**
 * URL templates such as `https://{shop}.myshopify.com/admin/api/2026-07`.
 *
 * A `{placeholder}` names a connection param, and a param is user input that ends up in
 * a URL Junction calls with the user's credentials. So a template may only put params
 * where they cannot steer the request to another host (SSRF) or another API:
 *
 * - the scheme is always https; the userinfo, port, query and fragment are never templated;
 * - in the host, params fill only the labels in front of a fixed suffix of two or more
 *   labels (`.myshopify.com`), and their values must be DNS labels;
 * - in the path, values are percent-encoded and `.` / `..` are refused, so a value cannot
 *   climb out of the template's path;
 * - after filling, the URL is parsed again and must still end in the template's host
 *   suffix and start with its literal path: the parser, not string handling, has the last word.
 */
export const placeholderPattern = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

const dnsLabel = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const hostValue = new RegExp(`^${dnsLabel}(?:\\.${dnsLabel})*$`);
const fixedSuffix = /^(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?){2,}$/;

export interface TemplateShape {
  /** Params used in the host (only in front of `hostSuffix`). */
  hostParams: string[];
  /** Params used in the path. */
  pathParams: string[];
  /** The fixed end of the host when params fill its front (`.myshopify.com`); null when the host is fixed. */
  hostSuffix: string | null;
}

/** Every `{name}` in a template, in order of appearance. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(placeholderPattern)].map((m) => m[1]!);
}

/**
 * What is wrong with an absolute URL template, or undefined when it is sound.
 * `allowQuery`: a fixed query string is allowed (never templated).
 */
export function urlTemplateProblem(template: string, options: { allowQuery?: boolean } = {}): string | undefined {
  const shape = shapeOf(template);
  if (typeof shape === 'string') return shape;
  const sample = fillWith(template, () => 'a');
  let url: URL;
  try {
    url = new URL(sample);
  } catch {
    return 'is not a valid URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash || sample.includes('#')) return 'must not have a fragment';
  if (!options.allowQuery && (url.search || sample.includes('?'))) return 'must not have a query string';
  if (!hostValue.test(url.hostname) || !url.hostname.includes('.')) return 'must name a DNS host';
  return undefined;
}

/**
 * What is wrong with a path template appended to a base URL (`/Accounts/{accountSid}.json`),
 * or undefined when it is sound. A fixed query string is allowed (`?PageSize=1`).
 */
export function pathTemplateProblem(template: string): string | undefined {
  if (!template.startsWith('/') || template.startsWith('//')) return 'must start with a single /';
  if (/[\s#\\]/.test(template)) return 'must not contain whitespace, # or \\';
  const malformed = malformedPlaceholder(template);
  if (malformed) return malformed;
  const query = template.indexOf('?');
  if (query >= 0 && placeholdersOf(template.slice(query)).length > 0) return 'must not put a {param} in the query';
  const segments = template.slice(0, query >= 0 ? query : undefined).split('/');
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain . or .. segments';
  return undefined;
}

/** Where a sound template's params sit; call only after `urlTemplateProblem` found nothing. */
export function shapeOfUrlTemplate(template: string): TemplateShape {
  const shape = shapeOf(template);
  if (typeof shape === 'string') throw new Error(`template ${template} ${shape}`);
  return shape;
}

export class TemplateValueError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Fills an absolute URL template. Values must already have passed their params' own
 * patterns; this adds the checks that hold whatever a pattern allows, and throws
 * `TemplateValueError` naming the param when one fails.
 */
export function fillUrlTemplate(template: string, values: Record<string, string>): string {
  const shape = shapeOfUrlTemplate(template);
  const hostParams = new Set(shape.hostParams);
  const filled = fillWith(template, (name) => {
    const value = valueOf(values, name);
    if (hostParams.has(name)) {
      if (!hostValue.test(value)) throw new TemplateValueError(name, 'must be a host name label (letters, digits, hyphens)');
      return value.toLowerCase();
    }
    return pathValue(name, value);
  });
  const url = parse(filled, template);
  const expected = new URL(fillWith(template, () => 'a'));
  if (shape.hostSuffix !== null) {
    if (!url.hostname.endsWith(shape.hostSuffix) || url.hostname.length === shape.hostSuffix.length) {
      throw new TemplateValueError(shape.hostParams[0]!, `must keep the host within *${shape.hostSuffix}`);
    }
  } else if (url.hostname !== expected.hostname) {
    throw new TemplateValueError(shape.pathParams[0] ?? 'baseUrl', `must keep the host ${expected.hostname}`);
  }
  if (url.port !== expected.port || url.protocol !== 'https:' || url.username || url.password) {
    throw new TemplateValueError(shape.pathParams[0] ?? 'baseUrl', 'must not change the scheme, port or userinfo');
  }
  if (!url.pathname.startsWith(literalPathOf(template))) {
    throw new TemplateValueError(shape.pathParams[0] ?? 'baseUrl', 'must stay within the template path');
  }
  return stripTrailingSlash(url, filled);
}

/** Appends a filled path template to a built base URL, checking it stays under that base. */
export function appendPath(baseUrl: string, pathTemplate: string, values: Record<string, string>): string {
  const path = fillWith(pathTemplate, (name) => pathValue(name, valueOf(values, name)));
  const base = new URL(baseUrl);
  const url = parse(`${baseUrl.replace(/\/$/, '')}${path}`, pathTemplate);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname.replace(/\/$/, ''))) {
    throw new TemplateValueError(placeholdersOf(pathTemplate)[0] ?? 'path', 'must stay within the base URL');
  }
  return url.toString();
}

function shapeOf(template: string): TemplateShape | string {
  if (template.length > 500) return 'must be at most 500 characters';
  if (!template.startsWith('https://')) return 'must start with https://';
  if (/[\s\\]/.test(template)) return 'must not contain whitespace or \\';
  const malformed = malformedPlaceholder(template);
  if (malformed) return malformed;
  const rest = template.slice('https://'.length);
  const hostEnd = rest.search(/[/?#]/);
  const host = hostEnd === -1 ? rest : rest.slice(0, hostEnd);
  const tail = hostEnd === -1 ? '' : rest.slice(hostEnd);
  if (host.includes('@')) return 'must not carry credentials';
  const query = tail.search(/[?#]/);
  if (query >= 0 && placeholdersOf(tail.slice(query)).length > 0) return 'must not put a {param} in the query or fragment';
  const hostParams = placeholdersOf(host);
  const pathParams = placeholdersOf(tail);
  let hostSuffix: string | null = null;
  if (hostParams.length > 0) {
    const [name, port] = host.split(':');
    if (port !== undefined && placeholdersOf(port).length > 0) return 'must not put a {param} in the port';
    const afterLast = name!.slice(name!.lastIndexOf('}') + 1);
    const dot = afterLast.indexOf('.');
    hostSuffix = dot === -1 ? '' : afterLast.slice(dot).toLowerCase();
    if (!fixedSuffix.test(hostSuffix)) {
      return 'must keep a fixed host suffix of at least two labels after its {params} (like .myshopify.com)';
    }
  }
  return { hostParams, pathParams, hostSuffix };
}

function malformedPlaceholder(template: string): string | undefined {
  const stripped = template.replace(placeholderPattern, '');
  if (/[{}]/.test(stripped)) return 'has a malformed {placeholder} (letters and digits, starting with a letter)';
  return undefined;
}

function fillWith(template: string, value: (name: string) => string): string {
  return template.replace(placeholderPattern, (_match, name: string) => value(name));
}

function valueOf(values: Record<string, string>, name: string): string {
  const value = Object.hasOwn(values, name) ? values[name] : undefined;
  if (typeof value !== 'string' || value === '') throw new TemplateValueError(name, 'is required');
  return value;
}

function pathValue(name: string, value: string): string {
  if (value === '.' || value === '..') throw new TemplateValueError(name, 'must not be . or ..');
  return encodeURIComponent(value);
}

function parse(url: string, template: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new TemplateValueError(placeholdersOf(template)[0] ?? 'baseUrl', 'does not make a valid URL');
  }
}

/** The template's path up to its first placeholder or query (`/2010-04-01/Accounts/`). */
function literalPathOf(template: string): string {
  const start = template.indexOf('/', 'https://'.length);
  const path = start === -1 ? '' : template.slice(start);
  const cut = path.search(/[{?#]/);
  return cut === -1 ? path : path.slice(0, cut);
}

/** `new URL` adds a `/` to an empty path; keep the template's own form for base URLs. */
function stripTrailingSlash(url: URL, filled: string): string {
  const text = url.toString();
  return text.endsWith('/') && !filled.endsWith('/') ? text.slice(0, -1) : text;
}
