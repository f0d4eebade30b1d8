import { bearerToken, intParam, iso, startProvider, type Answer, type FakeProvider, type ProviderRecord, type ProviderRequest } from './provider';

/**
 * GitHub's REST API (https://docs.github.com/en/rest), for what a sync reads:
 *
 * - `GET /repos/{owner}/{repo}/issues` (`state` open|closed|all, `since` on `updated_at`,
 *   `sort` created|updated, `direction`; pull requests are issues too, with a
 *   `pull_request` key), `GET /repos/{owner}/{repo}/pulls` (no `since`), `GET /user/repos`;
 * - paging by `page` and `per_page` (≤ 100, 30 by default) with a `Link` header of
 *   `rel="next"`, `"last"`, `"first"`, `"prev"` URLs
 *   (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api);
 * - `x-ratelimit-*` headers on every answer, and the primary limit's answer: 403 with
 *   `x-ratelimit-remaining: 0` and `x-ratelimit-reset`
 *   (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api);
 * - 401 `Bad credentials` for a token that is expired or revoked.
 *
 * - repository webhooks (https://docs.github.com/en/rest/repos/webhooks): `POST`, `GET`
 *   (list and one), `DELETE /repos/{owner}/{repo}/hooks[/{hook_id}]`; 201 with the hook,
 *   its `config.secret` never shown back (`********`), 204 on delete; 422 Validation
 *   Failed for a hook without `config.url` or with an event name of the wrong shape; 404
 *   for a repository it does not know (GitHub's answer to a token without admin rights too).
 *
 * Records: collection `issues:<owner>/<repo>` (pull requests among them carry
 * `pull_request: true`), `repos`, `hooks:<owner>/<repo>` (with the secret as sent, for
 * tests to sign deliveries with). `addIssue` fills in the fields GitHub answers;
 * `addRepository` makes a repository known without issues.
 */
export interface FakeGitHub extends FakeProvider {
  addIssue(owner: string, repo: string, fields?: Partial<ProviderRecord> & { title?: string; state?: 'open' | 'closed'; pull_request?: boolean }): ProviderRecord;
  addRepository(owner: string, repo: string): void;
  /** A repository's hooks as stored: `events`, `config` with its `url` and `secret`. */
  hooks(owner: string, repo: string): ProviderRecord[];
  /** Requests left in the hour, as `x-ratelimit-remaining` says. */
  remaining: number;
}

const limit = 5000;
const docs = 'https://docs.github.com/rest';

export async function startFakeGitHub(): Promise<FakeGitHub> {
  let sequence = 0;
  const rateHeaders = (remaining: number) => ({
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(Math.max(0, remaining)),
    'x-ratelimit-used': String(limit - Math.max(0, remaining)),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
    'x-ratelimit-resource': 'core',
  });
  const fake = (await startProvider({
    tokenOf: bearerToken,
    fault(fault, provider) {
      const github = provider as FakeGitHub;
      if (fault === 'rate-limit') {
        return { status: 403, headers: rateHeaders(0), body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: `${docs}/overview/rate-limits-for-the-rest-api` } };
      }
      if (fault === 'expired-token') return { status: 401, body: { message: 'Bad credentials', documentation_url: docs, status: '401' } };
      if (fault === 'wrong-shape') return { status: 200, headers: rateHeaders(github.remaining), body: { message: 'not a list' } };
      return { status: 500, body: { message: 'Server Error' } };
    },
    handle(request, provider) {
      const github = provider as FakeGitHub;
      github.remaining -= 1;
      const headers = rateHeaders(github.remaining);
      const repo = /^\/repos\/([^/]+)\/([^/]+)\/(issues|pulls)$/.exec(request.path);
      if (request.method === 'GET' && repo) {
        const [, owner, name, kind] = repo;
        if (!github.collections.has(`issues:${owner}/${name}`)) return { status: 404, headers, body: { message: 'Not Found', documentation_url: docs, status: '404' } };
        const all = github.records(`issues:${owner}/${name}`).filter((issue) => kind === 'issues' || issue.pull_request);
        return list(request, github, headers, all, kind === 'issues', (issue) => render(issue, owner!, name!, github.publicUrl, kind as 'issues' | 'pulls'));
      }
      const hooks = /^\/repos\/([^/]+)\/([^/]+)\/hooks(?:\/(\d+))?$/.exec(request.path);
      if (hooks) {
        const [, owner, name, hookId] = hooks;
        if (!github.collections.has(`issues:${owner}/${name}`)) return notFound(headers);
        return hook(request, github, headers, owner!, name!, hookId, () => ++sequence);
      }
      if (request.method === 'GET' && request.path === '/user/repos') {
        return list(request, github, headers, github.records('repos'), true, (record) => ({ ...record, id: Number(record.id), created_at: iso(record.created), updated_at: iso(record.updated) }));
      }
      return notFound(headers);
    },
  })) as FakeGitHub;
  fake.remaining = limit;
  fake.addIssue = (owner, repo, fields = {}) => {
    const now = Date.now();
    const id = String(1_000_000 + ++sequence);
    const issue: ProviderRecord = { id, number: sequence, title: `Issue ${sequence}`, state: 'open', created: now, updated: now, ...fields };
    fake.records(`issues:${owner}/${repo}`).push(issue);
    return issue;
  };
  fake.addRepository = (owner, repo) => void fake.records(`issues:${owner}/${repo}`);
  fake.hooks = (owner, repo) => fake.records(`hooks:${owner}/${repo}`);
  return fake;
}

const notFound = (headers: Record<string, string>): Answer => ({ status: 404, headers, body: { message: 'Not Found', documentation_url: docs, status: '404' } });

/** A repository's webhooks: create, list, read one, delete. */
function hook(request: ProviderRequest, fake: FakeGitHub, headers: Record<string, string>, owner: string, repo: string, hookId: string | undefined, nextId: () => number): Answer {
  const stored = fake.hooks(owner, repo);
  const base = `${fake.publicUrl}/repos/${owner}/${repo}/hooks`;
  const render = (h: ProviderRecord) => {
    const { id, created, updated, config, ...fields } = h;
    return {
      type: 'Repository',
      id: Number(id),
      name: 'web',
      ...fields,
      // GitHub never shows a hook's secret back.
      config: { ...(config as Record<string, unknown>), ...((config as Record<string, unknown>).secret ? { secret: '********' } : {}) },
      created_at: iso(created),
      updated_at: iso(updated),
      url: `${base}/${id}`,
      test_url: `${base}/${id}/test`,
      ping_url: `${base}/${id}/pings`,
      deliveries_url: `${base}/${id}/deliveries`,
      last_response: { code: null, status: 'unused', message: null },
    };
  };
  if (hookId === undefined && request.method === 'GET') return { status: 200, headers, body: stored.map(render) };
  if (hookId === undefined && request.method === 'POST') {
    let body: { events?: unknown; active?: unknown; config?: { url?: unknown; content_type?: unknown; secret?: unknown; insecure_ssl?: unknown } };
    try {
      body = JSON.parse(request.body);
    } catch {
      return { status: 400, headers, body: { message: 'Problems parsing JSON', documentation_url: docs, status: '400' } };
    }
    const events = body.events ?? ['push'];
    const invalid = (message: string): Answer => ({ status: 422, headers, body: { message: 'Validation Failed', errors: [{ resource: 'Hook', code: 'custom', message }], documentation_url: docs, status: '422' } });
    if (typeof body.config?.url !== 'string' || !/^https?:\/\//.test(body.config.url)) return invalid('Config must contain url for webhook hook');
    if (!Array.isArray(events) || events.length === 0) return invalid('Events must be a non-empty list');
    const wrong = events.find((event) => typeof event !== 'string' || !/^(\*|[a-z_]+)$/.test(event));
    if (wrong !== undefined) return invalid(`"${String(wrong)}" is not a valid event name`);
    if (stored.some((h) => (h.config as { url: string }).url === body.config!.url && (h.events as string[]).some((e) => events.includes(e)))) return invalid('Hook already exists on this repository');
    const now = Date.now();
    const created: ProviderRecord = {
      id: String(12_345_000 + nextId()),
      created: now,
      updated: now,
      active: body.active ?? true,
      events,
      config: { url: body.config.url, content_type: body.config.content_type ?? 'form', insecure_ssl: body.config.insecure_ssl ?? '0', ...(typeof body.config.secret === 'string' ? { secret: body.config.secret } : {}) },
    };
    stored.push(created);
    return { status: 201, headers: { ...headers, location: `${base}/${created.id}` }, body: render(created) };
  }
  const at = stored.findIndex((h) => h.id === hookId);
  if (hookId !== undefined && at >= 0 && request.method === 'GET') return { status: 200, headers, body: render(stored[at]!) };
  if (hookId !== undefined && at >= 0 && request.method === 'DELETE') {
    stored.splice(at, 1);
    return { status: 204, headers };
  }
  return notFound(headers);
}

/** One page of `all` after GitHub's filters and order, with its Link header. */
function list(request: ProviderRequest, fake: FakeGitHub, headers: Record<string, string>, all: ProviderRecord[], since: boolean, render: (r: ProviderRecord) => unknown): Answer {
  const { query } = request;
  const perPage = intParam(query, 'per_page', 30, 1, 100);
  const page = intParam(query, 'page', 1, 1, 100_000);
  const state = query.get('state') ?? 'open';
  const sort = query.get('sort') ?? 'created';
  const direction = query.get('direction') ?? (sort === 'created' || sort === 'updated' ? 'desc' : 'asc');
  const sinceMs = since && query.has('since') ? Date.parse(query.get('since')!) : undefined;
  if (perPage === undefined || page === undefined || Number.isNaN(sinceMs) || !['open', 'closed', 'all'].includes(state)) {
    return { status: 422, headers, body: { message: 'Validation Failed', errors: [{ resource: 'Issue', code: 'invalid' }], documentation_url: docs, status: '422' } };
  }
  const field = sort === 'updated' ? 'updated' : 'created';
  const matching = all
    .filter((record) => state === 'all' || (record.state ?? 'open') === state)
    .filter((record) => sinceMs === undefined || record.updated >= sinceMs)
    .sort((a, b) => (direction === 'asc' ? 1 : -1) * (a[field] - b[field] || Number(a.id) - Number(b.id)));
  const last = Math.max(1, Math.ceil(matching.length / perPage));
  const link = (n: number) => {
    const params = new URLSearchParams(query);
    params.set('page', String(n));
    return `<${fake.publicUrl}${request.path}?${params}>`;
  };
  const links = [
    ...(page < last ? [`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`] : []),
    ...(page > 1 ? [`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`] : []),
  ];
  return {
    status: 200,
    headers: { ...headers, ...(links.length ? { link: links.join(', ') } : {}) },
    body: matching.slice((page - 1) * perPage, page * perPage).map(render),
  };
}

/** An issue as `…/issues` answers it, or (`pulls`) the pull request as `…/pulls` does. */
function render(issue: ProviderRecord, owner: string, repo: string, base: string, kind: 'issues' | 'pulls') {
  const { id, created, updated, pull_request: pullRequest, ...fields } = issue;
  const url = `${base}/repos/${owner}/${repo}/${kind}/${issue.number}`;
  return {
    ...fields,
    id: Number(id),
    node_id: `I_${id}`,
    url,
    html_url: `https://github.com/${owner}/${repo}/${kind === 'issues' ? 'issues' : 'pull'}/${issue.number}`,
    user: { login: 'octocat', id: 1 },
    labels: [],
    created_at: iso(created),
    updated_at: iso(updated),
    closed_at: issue.state === 'closed' ? iso(updated) : null,
    ...(pullRequest && kind === 'issues' ? { pull_request: { url: `${base}/repos/${owner}/${repo}/pulls/${issue.number}` } } : {}),
    ...(kind === 'pulls' ? { head: { ref: `feature-${issue.number}` }, base: { ref: 'main' }, merged_at: null } : {}),
  };
}
