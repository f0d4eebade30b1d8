import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { CommitmentPolicy } from '@aws-crypto/material-management-node';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { defaultMemoryMb } from '../../infra/declaration';
import { declaration } from '../../infra/functions';
import { startLocal } from '../../infra/local/runtime';
import { oauthPorts } from '../../shared/oauth/deps';
import { challengeOf, newVerifier } from '../../shared/oauth/pkce';
import { freshTokens, type TokenDeps } from '../../shared/oauth/tokens';
import { send } from '../../shared/platform/outbound';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { startAuthorizationServer } from '../fakes/authorization-server';
import { fakeKms } from '../fakes/kms';
import { browserlessUser, registerTestIntegration, startSession } from '../support/oauth';
import { localDynamoDb } from '../support/dynamodb';
import type { TestRuntime } from '../support/runtime';
import { measureBundles } from './bundles';
import { canPin, cpuTicks, median, percentile, pinSelf, root, sideBySide, startDriver, startReceiver } from './measure';
import { costPerMillion as syncCostPerMillion, endToEndRecords, lambdaHeapFlags, measureSyncs, recordBytes, recordsPerPage, recordsPerRound, rounds as syncRounds, rssBudgetMb, type RequestFigures } from './syncs';
import { connectionsUsed, copies, duplicateStorm, senders, sequentialDeliveries, signedDeliveries } from './inbound';
import { fileBytes, putObjectBytes, measurePresign, measureUpload, partsPerCall, presignPerRound, presignRounds, rssBudgetMb as uploadRssBudgetMb, uploadRounds } from './uploads';
import { alertTenants, measureAlerts, rulesPerTenant, type AlertRunFigures } from './alerts';
import { measureMetrics, metricsRounds, requestsPerRound as metricsRequestsPerRound } from './metrics';
import { measureOverview, overviewPerRound, overviewRounds } from './overview';
import { batchesPerRound, batchSize, costPerMillion, fanOutEndpoints, measureWebhooks, receiverDelayMs, rounds as webhookRounds, streamPollMs } from './webhooks';

/**
 * `npm run bench`: every figure is a ratio of two things measured side by side in this
 * run, on this machine, after a warm-up. The gateway and its functions run on core 0, the
 * load driver on core 1; DynamoDB Local's JVM, a stand-in for a separate service, is left
 * on both. Nothing here asserts: it prints a table (and writes it to .build/bench.md) for
 * docs/benchmarks.md.
 */
type Row = [what: string, measured: string, baseline: string, ratio: string, target: string, verdict: string];
const rows: Row[] = [];
const fmt = (n: number, digits = 2) => n.toFixed(digits);
const check = (ok: boolean) => (ok ? 'met' : 'missed');
const section = (title: string) => rows.push([`**${title}**`, '', '', '', '', '']);
const started = Date.now();
const ticksAtStart = cpuTicks();

// The rate limiter would otherwise stop the benchmark at 1,200 requests a minute.
process.env.RATE_LIMIT_PER_MINUTE = '100000000';
process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.0/8';

const driver = startDriver(1);

// ---- 1. Bundles and init ----
const bundleBudgetBytes = 1024 * 1024;
const initBudgetRatio = 3.5;
/** The bundle table has columns of its own: one row per function. */
const bundleRows: string[] = [];
async function bundlesSection() {
  process.stderr.write('bundling every function and timing module init (20 processes each)…\n');
  const bundles = await measureBundles(20);
  for (const b of bundles.rows) {
    const ratio = b.initMs / b.emptyInitMs;
    const verdict = `size ${check(b.bytes <= bundleBudgetBytes)}, init ${check(ratio <= initBudgetRatio)}`;
    bundleRows.push(
      `| ${b.name} | ${b.kind} | ${fmt(b.bytes / 1024, 0)} | ${fmt(b.initMs, 1)} (${fmt(b.importMs, 1)}) | ${fmt(b.emptyInitMs, 1)} | ${fmt(ratio)}× | ${verdict} |`,
    );
  }
}

// ---- The system under test ----
process.stderr.write('starting the local runtime…\n');
const runtime = await startLocal({ declaration, root, port: 0, prefix: 'bench', scheduleTimers: false });
// The gateway and its functions (this process) get core 0; DynamoDB Local's JVM, started
// above, keeps both cores, as a separate service would have its own.
pinSelf(0);
const origin = runtime.url;
const auth = { authorization: `Bearer ${runtime.apiKey}` };
const db = localDynamoDb(runtime.dynamodbEndpoint);
const table = runtime.env.MAIN_TABLE_NAME!;
const call = async (path: string, init: RequestInit & { json?: unknown } = {}) =>
  fetch(`${origin}${path}`, {
    ...init,
    headers: { ...auth, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });

// Handler-only durations, for the cost estimate: time every invocation the gateway makes.
const durations = new Map<string, number[]>();
/** The last event each function was given, to invoke it again directly. */
const lastEvents = new Map<string, Parameters<typeof untimed>[1]>();
const untimed = runtime.functions.invoke;
const invoke = untimed.bind(runtime.functions);
const timed: typeof untimed = async (name, event) => {
  lastEvents.set(name, event);
  const start = performance.now();
  try {
    return await invoke(name, event);
  } finally {
    const list = durations.get(name) ?? [];
    list.push(performance.now() - start);
    durations.set(name, list);
  }
};
runtime.functions.invoke = timed;

// ---- 2. Gateway overhead on the cheapest authenticated read ----
async function gatewaySection() {
  process.stderr.write('gateway overhead…\n');
  const key = (await (await call('/v1/api-keys', { method: 'POST', json: { name: 'bench', scopes: ['read'] } })).json()) as { id: string };
  // The floor: a bare node:http server in the gateway's place (same process, same core)
  // making the same GetItem with the same client and answering the item. What it adds
  // over the raw read is the extra loopback hop and process wake-up, which no gateway avoids.
  const itemKey = { pk: 'TENANT#local', sk: `APIKEY#${key.id}` };
  const bare = createServer((_req, res) => {
    db.get({ TableName: table, Key: itemKey }).then(
      ({ Item }) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(Item));
      },
      // The driver stops the run on a 5xx, so a failed read cannot pass for a fast one.
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareOrigin = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  // The hop alone: the same server answering the item's bytes without reading them, so
  // each run shows what one loopback round trip to the other core costs at p50 and p99.
  const itemBytes = JSON.stringify((await db.get({ TableName: table, Key: itemKey })).Item);
  const hop = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(itemBytes);
  });
  await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', resolve));
  const hopOrigin = `http://127.0.0.1:${(hop.address() as AddressInfo).port}`;
  const reads = (target: string) => async () =>
    (await driver.run<{ samples: number[] }>({ kind: 'http', origin: target, path: `/v1/api-keys/${key.id}`, method: 'GET', headers: auth, n: 300 })).samples;
  const [gateway, floor, raw, alone] = await sideBySide(
    [
      reads(origin),
      reads(bareOrigin),
      async () => (await driver.run<{ samples: number[] }>({ kind: 'dynamo-get', endpoint: runtime.dynamodbEndpoint, table, key: itemKey, consistent: false, n: 300 })).samples,
      reads(hopOrigin),
    ],
    10,
    // As many requests again to warm up: with a single round of 300, the JIT was still
    // at work on the gateway path in the first measured rounds (p99 0.4–0.9 ms higher).
    10,
  );
  bare.close();
  hop.close();
  section('Gateway overhead: GET /v1/api-keys/{id} through the local gateway vs the raw DynamoDB GetItem it makes, and vs the floor (a bare node:http server making the same read) (3,000 sequential requests each, interleaved in rounds of 300, after 3,000 each to warm up)');
  rows.push(['p50', `${fmt(gateway!.p50)} ms`, `${fmt(raw!.p50)} ms`, `${fmt(gateway!.p50 / raw!.p50)}×`, '', '']);
  rows.push(['p99', `${fmt(gateway!.p99)} ms`, `${fmt(raw!.p99)} ms`, `${fmt(gateway!.p99 / raw!.p99)}×`, '', '']);
  // The raw read's own p99 on this machine is noise; the floor makes the same read behind
  // the same kind of hop, so the gateway's cost is what it adds above the floor.
  rows.push([
    'p99 added over the floor',
    `${fmt(gateway!.p99 - floor!.p99)} ms`,
    `floor p99 ${fmt(floor!.p99)} ms`,
    '',
    '≤ floor + 1 ms',
    check(gateway!.p99 <= floor!.p99 + 1),
  ]);
  rows.push(['median added latency', `${fmt(gateway!.p50 - raw!.p50)} ms`, '', '', '≤ 1 ms', check(gateway!.p50 - raw!.p50 <= 1)]);
  rows.push([
    'floor: bare node:http making the same GetItem, p50 / p99',
    `${fmt(floor!.p50)} / ${fmt(floor!.p99)} ms`,
    `${fmt(raw!.p50)} / ${fmt(raw!.p99)} ms`,
    `${fmt(floor!.p50 / raw!.p50)}× / ${fmt(floor!.p99 / raw!.p99)}×`,
    '',
    'for reference',
  ]);
  rows.push([
    'the hop alone: bare node:http answering the same bytes without reading them, p50 / p99',
    `${fmt(alone!.p50)} / ${fmt(alone!.p99)} ms`,
    `${fmt(raw!.p50)} / ${fmt(raw!.p99)} ms`,
    `${fmt(alone!.p50 / raw!.p50)}× / ${fmt(alone!.p99 / raw!.p99)}×`,
    '',
    'for reference',
  ]);

  // The gateway caches the authorizer's verdict, so above it ran only once or twice, cold.
  // For the cost of calls whose verdict is not cached, time it warm on the same request.
  durations.delete('authorizer');
  const authorizerEvent = lastEvents.get('authorizer');
  for (let i = 0; authorizerEvent && i < 300; i++) await runtime.functions.invoke('authorizer', authorizerEvent);

}

// ---- 3. Throughput with no I/O ----
const throughputRounds = 10;
async function throughputSection() {
  process.stderr.write('throughput…\n');
  await call('/v1/health');
  const sample = await fetch(`${origin}/v1/health`);
  const sampleBody = await sample.text();
  const sampleHeaders = Object.fromEntries([...sample.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)));
  const bare = createServer((_req, res) => {
    res.writeHead(sample.status, sampleHeaders);
    res.end(sampleBody);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareOrigin = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  const rate = async (target: string, durationMs: number) => {
    const { requests, seconds } = await driver.run<{ requests: number; seconds: number }>({ kind: 'load', origin: target, path: '/v1/health', headers: {}, concurrency: 32, durationMs });
    return requests / seconds;
  };
  // The cost section's timing wrapper is the benchmark's, not the gateway's, and the bare
  // server has nothing like it: the gateway is measured as it ships, as the bare server is.
  runtime.functions.invoke = untimed;
  await rate(origin, 3000);
  await rate(bareOrigin, 3000);
  // This host's speed drifts by up to half within a run, over seconds. So each round is a
  // pair of short loads back to back, their order swapped every round (ABBA), and the
  // figure is the median of the pairs' own ratios: a slow spell lands on both of a pair.
  const pairs: Array<{ gateway: number; bare: number; ratio: number }> = [];
  for (let round = 0; round < throughputRounds; round++) {
    const gatewayFirst = round % 2 === 0;
    const first = await rate(gatewayFirst ? origin : bareOrigin, 1000);
    const second = await rate(gatewayFirst ? bareOrigin : origin, 1000);
    const [gateway, bareRate] = gatewayFirst ? [first, second] : [second, first];
    pairs.push({ gateway, bare: bareRate, ratio: gateway / bareRate });
  }
  bare.close();
  runtime.functions.invoke = timed;
  section(`Throughput, no I/O: GET /v1/health (dependency checks cached) through the gateway vs bare node:http answering the same bytes (32 in flight; ${throughputRounds} rounds, each a pair of 1 s loads in alternating order; median of the pairs' ratios)`);
  const ratios = pairs.map((p) => p.ratio).sort((a, b) => a - b);
  const throughput = median(ratios);
  rows.push([
    'requests/s (medians)',
    fmt(median(pairs.map((p) => p.gateway)), 0),
    fmt(median(pairs.map((p) => p.bare)), 0),
    `${fmt(throughput)}× (rounds ${fmt(ratios[0]!)}–${fmt(ratios.at(-1)!)}×)`,
    '≥ 0.6×',
    check(throughput >= 0.6),
  ]);

}

// ---- 4. Cost per million API calls (AWS list prices) ----
function costSection() {
  const routeMs = median(durations.get('getApiKey') ?? [NaN]);
  const authorizerMs = median(durations.get('authorizer') ?? [NaN]);
  const gbSecond = 0.0000133334;
  const lambdaCost = (ms: number) => 0.2 + Math.ceil(ms) / 1000 * (defaultMemoryMb / 1024) * gbSecond * 1e6;
  // A consistent GetItem of an item under 4 KB: 1 RCU; the rate limiter claims 10 requests per write.
  const dynamoCost = 1 * 0.125 + 0.1 * 0.625;
  const cached = 1.0 + lambdaCost(routeMs) + dynamoCost;
  const uncached = cached + lambdaCost(authorizerMs) + 0.125;
  section('Cost per million GET /v1/api-keys/{id} calls, from measured handler durations (arm64, 256 MB, us-east-1 list prices)');
  rows.push(['authorizer verdict cached (API Gateway caches it 60 s per key)', `$${fmt(cached)}`, `route ${fmt(routeMs, 1)} ms → ${Math.ceil(routeMs)} ms billed`, '', '≤ $2.00', check(cached <= 2)]);
  rows.push(['every call runs the authorizer too (worst case)', `$${fmt(uncached)}`, `authorizer ${fmt(authorizerMs, 1)} ms`, '', '≤ $2.00', check(uncached <= 2)]);

}

// ---- 5. The credential vault ----
async function vaultSection() {
  process.stderr.write('vault…\n');
  const arn = 'arn:aws:kms:us-east-1:111122223333:key/bench';
  const { kms, calls } = fakeKms([arn]);
  const keyring = keyringFromEnv({ kms, env: { KEY_ARN: arn } });
  const vault = createVault(keyring);
  const context = { tenantId: 'bench', connectionId: 'conn_bench', purpose: 'credentials' };
  const sealed = await vault.seal({ apiKey: 'sk_test_0123456789abcdefghijklmnop' }, context);
  const { decrypt } = buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const ciphertext = Buffer.from(sealed.ciphertext, 'base64');
  const reads = async (open: () => Promise<unknown>) => {
    const before = calls.decrypt;
    const start = performance.now();
    for (let i = 0; i < 1000; i++) await open();
    return { perSecond: 1000 / ((performance.now() - start) / 1000), kmsCalls: calls.decrypt - before };
  };
  await reads(() => vault.open(sealed, context));
  await reads(() => decrypt(keyring.keyring, ciphertext));
  const fresh = createVault(keyring);
  const cachedReads = await reads(() => fresh.open(sealed, context));
  const uncachedReads = await reads(() => decrypt(keyring.keyring, ciphertext));
  // The fake answers at once; a real in-region KMS Decrypt takes a few milliseconds. The same
  // reads again with 5 ms added to every KMS call show what the cache saves in Lambda.
  const slowKms = Object.fromEntries(
    Object.entries(kms).map(([name, operation]) => [name, async (input: never) => (await new Promise((r) => setTimeout(r, 5)), (operation as (i: never) => unknown)(input))]),
  ) as unknown as typeof kms;
  const slowKeyring = keyringFromEnv({ kms: slowKms, env: { KEY_ARN: arn } });
  const slowVault = createVault(slowKeyring);
  const slowCachedReads = await reads(() => slowVault.open(sealed, context));
  const slowUncachedReads = await reads(() => decrypt(slowKeyring.keyring, ciphertext));
  section('Credential vault: 1,000 reads of one tenant\'s credentials, caching materials manager vs a plain KMS-keyring decrypt (counting fake KMS)');
  rows.push(['reads/s, fake KMS answering at once', fmt(cachedReads.perSecond, 0), fmt(uncachedReads.perSecond, 0), `${fmt(cachedReads.perSecond / uncachedReads.perSecond)}×`, '', '']);
  rows.push(['reads/s, 5 ms per KMS call (in-region KMS)', fmt(slowCachedReads.perSecond, 0), fmt(slowUncachedReads.perSecond, 0), `${fmt(slowCachedReads.perSecond / slowUncachedReads.perSecond)}×`, '', '']);
  rows.push(['KMS calls per 1,000 reads', String(cachedReads.kmsCalls), String(uncachedReads.kmsCalls), '', '≤ 10 (cached)', check(cachedReads.kmsCalls <= 10)]);

}

// ---- 6. Connections through the gateway vs the DynamoDB calls they make ----
async function connectionsSection() {
  process.stderr.write('connections…\n');
  const creates = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      path: '/v1/connections',
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ integration: 'stripe', name: `Bench ${i}`, credentials: { apiKey: `sk_test_bench${i}x${Date.now()}` } }),
    }));
  const rawCreate = [
    { pk: 'TENANT#bench', sk: 'CONN#', integration: 'stripe', name: 'Bench', authType: 'api_key', params: {}, credentialFields: ['apiKey'], status: 'active', version: 1 },
    // A sealed Stripe key is 636 characters of base64 (measured), with its key id and context beside it.
    { pk: 'TENANT#bench', sk: 'CREDENTIALS#', ciphertext: 'A'.repeat(636), keyId: runtime.env.LOCAL_KEYRING_PATH ?? 'key', context: { tenantId: 'bench', connectionId: 'conn_bench', purpose: 'credentials' } },
    { pk: 'TENANT#bench', sk: 'AUDIT#', action: 'connection.create', outcome: 'succeeded', status: 201 },
  ];
  const [postGateway, postRaw] = await sideBySide([
    async () => (await driver.run<{ samples: number[] }>({ kind: 'http-each', origin, requests: creates(100) })).samples,
    async () => (await driver.run<{ samples: number[] }>({ kind: 'dynamo-transact', endpoint: runtime.dynamodbEndpoint, table, items: rawCreate, n: 100 })).samples,
  ], 3);
  const made = (await (await call('/v1/connections', { method: 'POST', json: { integration: 'stripe', name: 'Read me', credentials: { apiKey: 'sk_test_readme0123' } } })).json()) as { id: string };
  const [getGateway, getRaw] = await sideBySide([
    async () => (await driver.run<{ samples: number[] }>({ kind: 'http', origin, path: `/v1/connections/${made.id}`, method: 'GET', headers: auth, n: 300 })).samples,
    async () => (await driver.run<{ samples: number[] }>({ kind: 'dynamo-get', endpoint: runtime.dynamodbEndpoint, table, key: { pk: 'TENANT#local', sk: `CONN#${made.id}` }, consistent: true, n: 300 })).samples,
  ]);
  section('Connections through the gateway vs the raw DynamoDB calls they make (POST: one 3-item TransactWriteItems; GET: one GetItem)');
  rows.push(['POST /v1/connections p50', `${fmt(postGateway!.p50)} ms`, `${fmt(postRaw!.p50)} ms`, `${fmt(postGateway!.p50 / postRaw!.p50)}×`, '', '']);
  rows.push(['POST /v1/connections p99', `${fmt(postGateway!.p99)} ms`, `${fmt(postRaw!.p99)} ms`, `${fmt(postGateway!.p99 / postRaw!.p99)}×`, '', '']);
  rows.push(['GET /v1/connections/{id} p50', `${fmt(getGateway!.p50)} ms`, `${fmt(getRaw!.p50)} ms`, `${fmt(getGateway!.p50 / getRaw!.p50)}×`, '', '']);
  rows.push(['GET /v1/connections/{id} p99', `${fmt(getGateway!.p99)} ms`, `${fmt(getRaw!.p99)} ms`, `${fmt(getGateway!.p99 / getRaw!.p99)}×`, '', '']);

}

// ---- 7. OAuth: the callback next to the token request it makes; refreshes under concurrency ----
async function oauthSection() {
  process.stderr.write('oauth…\n');
  const server = await startAuthorizationServer({ redirectUri: `${origin}/v1/oauth/callback` });
  process.env.OUTBOUND_CA_FILE = server.caFile;
  const asRuntime = { ...runtime, call: (path: string, init: RequestInit & { json?: unknown } = {}) => call(path, init), advance: () => undefined } as unknown as TestRuntime;
  await registerTestIntegration(asRuntime, server, 'bench-idp');
  const trusted = new Agent({ connect: { ca: readFileSync(server.caFile, 'utf8') } });
  const callbacks: number[] = [];
  const tokenRequests: number[] = [];
  let connectionId = '';
  for (let i = 0; i < 21; i++) {
    const session = await startSession(asRuntime, { integration: 'bench-idp' });
    const back = await browserlessUser(server).approve(session.authorizationUrl);
    let start = performance.now();
    const landed = await fetch(back, { redirect: 'manual' });
    const elapsed = performance.now() - start;
    connectionId = new URL(landed.headers.get('location')!).searchParams.get('connection_id') ?? connectionId;
    // The same exchange made directly: our own authorization request, then one timed token request.
    const verifier = newVerifier();
    const direct = new URL(`${server.issuer}/auth`);
    for (const [name, value] of Object.entries({ response_type: 'code', client_id: server.clientId, redirect_uri: `${origin}/v1/oauth/callback`, scope: 'openid offline_access', prompt: 'consent', state: `s${i}`, code_challenge: challengeOf(verifier), code_challenge_method: 'S256' })) {
      direct.searchParams.set(name, value);
    }
    const code = new URL(await browserlessUser(server).approve(direct.toString())).searchParams.get('code')!;
    start = performance.now();
    const token = await undiciFetch(`${server.issuer}/token`, {
      method: 'POST',
      dispatcher: trusted,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${server.clientId}:${server.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: `${origin}/v1/oauth/callback`, code_verifier: verifier }).toString(),
    });
    await token.text();
    if (i > 0) {
      callbacks.push(elapsed);
      tokenRequests.push(performance.now() - start);
    }
  }
  section('OAuth: GET /v1/oauth/callback through the gateway (code exchange included) vs the raw token request it makes (20 flows)');
  rows.push(['p50', `${fmt(median(callbacks))} ms`, `${fmt(median(tokenRequests))} ms`, `${fmt(median(callbacks) / median(tokenRequests))}×`, '', '']);
  rows.push(['p99', `${fmt(percentile(callbacks, 99))} ms`, `${fmt(percentile(tokenRequests, 99))} ms`, `${fmt(percentile(callbacks, 99) / percentile(tokenRequests, 99))}×`, '', '']);

  await db.update({
    TableName: table,
    Key: { pk: 'TENANT#local', sk: `CREDENTIALS#${connectionId}` },
    UpdateExpression: 'SET tokenExpiresAt = :past',
    ExpressionAttributeValues: { ':past': new Date(Date.now() - 60_000).toISOString() },
  });
  const before = server.tokenRequests.refresh_token;
  const benchVault = createVault(keyringFromEnv({ env: runtime.env }));
  // 50 containers (one deps object each), 20 reads each, all at once, of a token that has expired.
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      const deps: TokenDeps = {
        ...oauthPorts({ db, table }),
        vault: benchVault,
        send: (request, options) => send(request, { maxAttempts: 2, timeoutMs: 5000, ...options }),
      };
      for (let i = 0; i < 20; i++) await freshTokens(deps, 'local', connectionId);
    }),
  );
  const refreshCalls = server.tokenRequests.refresh_token - before;
  rows.push(['token-endpoint calls per 1,000 credential reads (50 concurrent readers, token expired)', String(refreshCalls), '', '', '1 per token lifetime', check(refreshCalls === 1)]);

  await server.close();
}

// ---- 8. Webhooks: the delivery worker next to plain signed POSTs; a fan-out end to end; cost ----
async function webhooksSection() {
  process.stderr.write('webhooks…\n');
  // The receiver, a customer's server, gets the driver's core: the driver is idle meanwhile.
  const receiver = startReceiver(1);
  const { batches, fanOut, sizes } = await measureWebhooks({ runtime, call, invoke, db, table, receiver }).finally(() => receiver.stop());
  const [slow, quick] = batches;
  const ms = (n: number) => `${fmt(n, 1)} ms`;
  const worker50 = median(slow!.workerBatchMs);
  section(`Webhook delivery worker (functions/webhooks/deliver.ts), invoked as the local runtime invokes it (its own worker thread, its esbuild bundle) with SQS batches of ${batchSize} records, each to its own endpoint, on DynamoDB Local, vs the same batches sent as ${batchSize} parallel POSTs signed with standardwebhooks through the worker's outbound client; the receiver a separate process (${batchSize} in flight on both sides: one batch at a time; ${webhookRounds} rounds of ${batchesPerRound} batches a side, in alternating order)`);
  rows.push([
    `batch of ${batchSize}, receiver answering after ${receiverDelayMs} ms: wall time p50`,
    ms(worker50),
    `${ms(median(slow!.plainBatchMs))} (${batchSize} parallel POSTs)`,
    `${fmt(worker50 / receiverDelayMs)}× the ${receiverDelayMs} ms`,
    `≤ 1.3 × ${receiverDelayMs} ms`,
    check(worker50 <= 1.3 * receiverDelayMs),
  ]);
  rows.push(['the same, p99', ms(percentile(slow!.workerBatchMs, 99)), ms(percentile(slow!.plainBatchMs, 99)), '', '', 'for reference']);
  const storage = median([...slow!.storageBatchMs, ...quick!.storageBatchMs]);
  rows.push([
    `floor: the batch's DynamoDB calls alone (2 batch reads, then ${batchSize} claims, then ${batchSize} outcomes), from the host with the worker's stores, p50`,
    ms(storage),
    `+ the ${batchSize} parallel POSTs = ${ms(storage + median(slow!.plainBatchMs))}`,
    `the worker's own: ${ms(worker50 - storage - median(slow!.plainBatchMs))}`,
    '',
    'for reference',
  ]);
  for (const figures of [slow!, quick!]) {
    const ratios = figures.pairs.map((p) => p.ratio).sort((a, b) => a - b);
    const ratio = median(ratios);
    rows.push([
      `deliveries/s, receiver answering ${figures.delayMs ? `after ${figures.delayMs} ms` : 'at once'} (medians; ratio: median of the rounds' pairs)`,
      fmt(median(figures.pairs.map((p) => p.worker)), 0),
      fmt(median(figures.pairs.map((p) => p.plain)), 0),
      `${fmt(ratio)}× (rounds ${fmt(ratios[0]!)}–${fmt(ratios.at(-1)!)}×)`,
      '≥ 0.5×',
      check(ratio >= 0.5),
    ]);
  }
  rows.push([`batch of ${batchSize}, receiver answering at once: wall time p50`, ms(median(quick!.workerBatchMs)), ms(median(quick!.plainBatchMs)), `${fmt(median(quick!.workerBatchMs) / median(quick!.plainBatchMs))}×`, '', 'for reference']);
  // Where the difference goes: DynamoDB Local's JVM is another process, so this is the worker's own work.
  rows.push(['CPU time per delivery of the process running the worker (all its threads), receiver answering at once', ms(quick!.workerCpuMs), ms(quick!.plainCpuMs), `${fmt(quick!.workerCpuMs / quick!.plainCpuMs)}×`, '', 'for reference']);

  section(`Webhook fan-out: one connection.created (POST /v1/connections through the gateway) to ${fanOutEndpoints} subscribed endpoints, DynamoDB Streams → webhookRelay → deliveries queue → deliverWebhooks, until the last delivery reaches the receiver (answering after ${receiverDelayMs} ms); median of ${fanOut.totalMs.length} events after one to warm up`);
  const batchCount = median(fanOut.batchSizes.map((sizes) => sizes.length));
  rows.push([
    `POST sent → last of ${fanOutEndpoints} deliveries arrived`,
    `${ms(median(fanOut.totalMs))} (max ${ms(Math.max(...fanOut.totalMs))})`,
    `floor ≈ 0–${streamPollMs} ms stream poll + ${Math.ceil(fanOutEndpoints / batchSize)} batches × ${receiverDelayMs} ms`,
    '',
    '',
    'for reference',
  ]);
  rows.push(['of which POST sent → relay invoked', ms(median(fanOut.streamWaitMs)), `the local stream poller reads every ${streamPollMs} ms`, '', '', 'for reference']);
  rows.push([`of which relay invoked → last arrival (relay ${ms(median(fanOut.relayMs))})`, ms(median(fanOut.queueMs)), `queue long-polled; ${batchCount} batches, one at a time (sizes ${fanOut.batchSizes[0]!.join(', ')})`, '', '', 'for reference']);

  const cost = costPerMillion(worker50, sizes, 1 / batchSize);
  const lone = costPerMillion(worker50, sizes, 1);
  section(`Cost per million webhook deliveries, from the worker's measured batch duration (arm64, ${cost.memoryMb} MB, us-east-1 list prices; batches of ${batchSize}, receiver answering after ${receiverDelayMs} ms; KMS and the relay's own invocations not counted)`);
  rows.push(['delivery worker, queues and DynamoDB, the relay sending ten messages a request (a busy stream, or an event to many endpoints)', `$${fmt(cost.total)}`, `Lambda $${fmt(cost.lambda)} · SQS $${fmt(cost.sqs)} · DynamoDB writes $${fmt(cost.writes)} · reads $${fmt(cost.reads)}`, '', '≤ $2.00', check(cost.total <= 2)]);
  rows.push(['the same, every event alone in its stream batch and for one endpoint (a quiet stream: a send per delivery)', `$${fmt(lone.total)}`, `SQS $${fmt(lone.sqs)}`, '', '≤ $2.00', check(lone.total <= 2)]);
  rows.push(['Lambda: one invocation per batch', `$${fmt(cost.lambda)}`, `batch ${ms(worker50)} → ${Math.ceil(worker50)} ms billed`, '', '', 'for reference']);
  rows.push(['SQS: a tenth of a send, of a receive and of a delete', `$${fmt(cost.sqs)}`, `${fmt(cost.sqsRequests)} requests`, '', '', 'for reference']);
  rows.push(['DynamoDB writes: the delivery claimed, then its outcome with the attempt in it', `$${fmt(cost.writes)}`, `${cost.writeUnits} WRU (items ${sizes.claim}, ${sizes.delivery} B)`, '', '', 'for reference']);
  rows.push(['DynamoDB reads: endpoint and secret (consistent), event (eventual), a batch read per batch', `$${fmt(cost.reads)}`, `${cost.readUnits} RRU (items ${sizes.endpoint}, ${sizes.secret}, ${sizes.event} B)`, '', '', 'for reference']);
}

// ---- 9. Syncs: the worker next to raw batch writes; requests per 1,000 records; 100,000 records end to end; cost ----
async function syncsSection() {
  process.stderr.write('syncs…\n');
  const { rate, fresh, resync, endToEnd, sizes } = await measureSyncs({ runtime, call });
  const ms = (n: number) => `${fmt(n, 1)} ms`;
  section(`Sync worker (shared/syncs/worker.ts, called in-process as tests/integration/sync-worker.test.ts calls it): Stripe customers of ${fmt(recordBytes / 1024, 0)} KB from the fake Stripe (${recordsPerPage} a page) into the records store on DynamoDB Local, vs a raw BatchWriteItem loop writing the same records (25 a request, one request at a time) to the same table (${syncRounds} rounds of ${recordsPerRound.toLocaleString('en-US')} records a side, in alternating order, after one of each to warm up)`);
  const ratios = rate.pairs.map((p) => p.ratio).sort((a, b) => a - b);
  const ratio = median(ratios);
  rows.push([
    'records/s, a first sync (medians; ratio: median of the rounds\' pairs)',
    fmt(median(rate.pairs.map((p) => p.worker)), 0),
    fmt(median(rate.pairs.map((p) => p.raw)), 0),
    `${fmt(ratio)}× (rounds ${fmt(ratios[0]!)}–${fmt(ratios.at(-1)!)}×)`,
    '≥ 0.7×',
    check(ratio >= 0.7),
  ]);
  rows.push([
    `a page of ${recordsPerPage} (a processSyncJob call's time per page it read), p50 / p99`,
    `${ms(median(rate.pageMs))} / ${ms(percentile(rate.pageMs, 99))}`,
    `of which, p50: the provider's answer ${ms(median(rate.providerMs))}, the records store's writePage ${ms(median(rate.writeMs))}`,
    '',
    '',
    'for reference',
  ]);
  const perPage = (figures: RequestFigures) =>
    `per page: ${Object.entries(figures.byOperation)
      .sort(([, a], [, b]) => b - a)
      .map(([operation, n]) => `${operation} ${fmt(n / figures.pages, 2)}`)
      .join(' · ')}`;
  // The counters' flush after each invocation (shared/platform/consumer.ts), as a share of that invocation's pages.
  const flushRatios = rate.invocationMs.map((took, i) => (took + rate.flushMs[i]!) / took);
  const flushRatio = median(flushRatios);
  rows.push([
    'a synced page with the tenant\'s metrics counted vs without: an invocation\'s pages plus the flush of what they counted, over the pages alone (median of invocations)',
    `flush p50 ${ms(median(rate.flushMs))}, once an invocation`,
    `invocation p50 ${ms(median(rate.invocationMs))} (${fmt(median(rate.pagesPerInvocation), 0)} pages)`,
    `${fmt(flushRatio, 3)}×`,
    '≤ 1.1×',
    check(flushRatio <= 1.1),
  ]);
  const perThousand = (figures: RequestFigures) => (figures.total / figures.records) * 1000;
  rows.push(['DynamoDB requests per 1,000 records, a first sync', fmt(perThousand(fresh), 1), perPage(fresh), '', '≤ 44', check(perThousand(fresh) <= 44)]);
  rows.push([
    `DynamoDB requests per 1,000 records, a full re-sync where nothing changed (${fmt(resync.recordsPerSecond, 0)} records/s)`,
    fmt(perThousand(resync), 1),
    perPage(resync),
    '',
    '',
    'for reference',
  ]);

  section(`Sync end to end: ${endToEndRecords.toLocaleString('en-US')} records, fake Stripe → worker → records store, one run in a process of its own with the heap limits Lambda's Node.js runtime sets at the worker's memory (${lambdaHeapFlags().join(' ')}; node with tsx, not the bundle); its peak RSS from /proc/self/status VmHWM`);
  rows.push([
    'peak RSS of the worker\'s process',
    `${fmt(endToEnd.maxRssMb, 0)} MB`,
    `${fmt(endToEnd.loadedRssMb, 0)} MB once loaded, before the first page`,
    '',
    `≤ ${rssBudgetMb} MB`,
    check(endToEnd.maxRssMb <= rssBudgetMb),
  ]);
  rows.push([`${endToEndRecords.toLocaleString('en-US')} records in ${endToEnd.pages} pages`, `${fmt(endToEnd.seconds, 1)} s`, `${fmt(endToEnd.records / endToEnd.seconds, 0)} records/s`, '', '', 'for reference']);

  const pageMs = median(rate.pageMs);
  const pagesPerInvocation = median(rate.pagesPerInvocation);
  const cost = syncCostPerMillion(pageMs, pagesPerInvocation, sizes);
  section(`Cost per million synced records of ${fmt(recordBytes / 1024, 0)} KB, a first sync, from the worker's measured page duration (arm64, ${cost.memoryMb} MB, us-east-1 list prices; pages of ${recordsPerPage}, ${fmt(pagesPerInvocation, 0)} an invocation (median); the run's start and end not counted)`);
  // A page of a hundred records makes Lambda and SQS a fraction of a cent a million: three decimals.
  const usd = (n: number) => `$${fmt(n, 3)}`;
  rows.push(['sync worker, queue and DynamoDB', `$${fmt(cost.total)}`, `Lambda ${usd(cost.lambda)} · SQS ${usd(cost.sqs)} · DynamoDB writes ${usd(cost.writes)} · reads ${usd(cost.reads)}`, '', '≤ $0.75', check(cost.total <= 0.75)]);
  rows.push(['Lambda: an invocation reads pages on while its time lasts', usd(cost.lambda), `page ${ms(pageMs)}, billed by the ms`, '', '', 'for reference']);
  rows.push(['SQS: the invocation\'s message sent, received and deleted', usd(cost.sqs), `${cost.sqsRequests} requests an invocation`, '', '', 'for reference']);
  rows.push([
    'DynamoDB writes: the records, the page\'s transaction (counter, log item, first 25 records) at twice, the run\'s progress (a transaction)',
    usd(cost.writes),
    `${fmt(cost.writeUnitsPerRecord, 2)} WRU a record (record ${sizes.record} B = ${cost.recordUnits} WRU; log ${sizes.log} B, counter ${sizes.counter} B, run ${sizes.run} B a page)`,
    '',
    '',
    'for reference',
  ]);
  rows.push([
    'DynamoDB reads, consistent: the run, the connection, its credentials (once an invocation), the page\'s records',
    usd(cost.reads),
    `${fmt(cost.readUnitsPerRecord, 2)} RRU a record (items ${sizes.run}, ${sizes.connection}, ${sizes.credentials} B; a record not there yet 1 RRU)`,
    '',
    '',
    'for reference',
  ]);
}

// ---- Inbound provider webhooks: receive → 2xx vs the write it makes; a storm of one delivery ----
async function inboundSection() {
  process.stderr.write('inbound…\n');
  const secret = `whsec_bench${Date.now()}`;
  const connectionIds: string[] = [];
  for (let i = 0; i < connectionsUsed; i++) {
    const made = await call('/v1/connections', { method: 'POST', json: { integration: 'stripe', name: `Inbound ${i}`, credentials: { apiKey: `sk_test_inbound${i}x${Date.now()}`, webhookSecret: secret } } });
    connectionIds.push(((await made.json()) as { id: string }).id);
  }
  // What receiving writes, in one transaction: the seen delivery id, the event as listed, and the outbox event with the body.
  const body = signedDeliveries(connectionIds, secret, 1, 'shape')[0]!.body;
  const rawReceive = [
    { pk: 'TENANT#bench', sk: 'INBOUNDSEEN#', inboundId: 'inb_01JCZ8X7Q4B3N5M6P7R8S9T0V1', expiresAt: 1 },
    { pk: 'TENANT#bench', sk: 'INBOUND#', id: 'inb_01JCZ8X7Q4B3N5M6P7R8S9T0V1', connectionId: connectionIds[0], integration: 'stripe', deliveryId: 'evt_x', eventType: 'payment_intent.succeeded', status: 'processed', receivedAt: new Date().toISOString(), processedAt: new Date().toISOString(), contentType: 'application/json', bodyBytes: body.length, sync: null, eventId: 'evt_01JCZ8X7Q4B3N5M6P7R8S9T0V1', expiresAt: 1 },
    { pk: 'TENANT#bench', sk: 'EVENT#', id: 'evt_01JCZ8X7Q4B3N5M6P7R8S9T0V1', type: 'inbound.received', timestamp: new Date().toISOString(), data: { payload: body }, expiresAt: 1 },
  ];
  let round = 0;
  const [viaGateway, raw] = await sideBySide([
    async () => (await driver.run<{ samples: number[] }>({ kind: 'http-each', origin, requests: signedDeliveries(connectionIds, secret, sequentialDeliveries / 3, `r${round++}`) })).samples,
    async () => (await driver.run<{ samples: number[] }>({ kind: 'dynamo-transact', endpoint: runtime.dynamodbEndpoint, table, items: rawReceive, n: sequentialDeliveries / 3 })).samples,
  ], 3);
  section(`Inbound webhooks: a signed Stripe delivery through the gateway (find the connection, spend its budget, open its secret, verify, one 3-item transaction, 202) vs that raw TransactWriteItems (${sequentialDeliveries} sequential each, in rounds)`);
  rows.push(['receive → 202 p50', `${fmt(viaGateway!.p50)} ms`, `${fmt(raw!.p50)} ms`, `${fmt(viaGateway!.p50 / raw!.p50)}×`, '', '']);
  rows.push(['receive → 202 p99', `${fmt(viaGateway!.p99)} ms`, `${fmt(raw!.p99)} ms`, `${fmt(viaGateway!.p99 / raw!.p99)}×`, '', '']);

  const storm = await duplicateStorm(origin, connectionIds[0]!, secret);
  const listed = (await (await call(`/v1/connections/${connectionIds[0]}/inbound-events?limit=100`)).json()) as { data: Array<{ deliveryId: string }> };
  const stored = listed.data.filter((event) => event.deliveryId === storm.deliveryId).length;
  const answered = [...storm.statuses].map(([status, n]) => `${n}× ${status}`).join(', ');
  rows.push([
    `${copies} copies of one delivery from ${senders} concurrent senders (429s retried after Retry-After): stored`,
    `${stored}`,
    `answered ${answered}; ${storm.limited} 429s on the way; ${fmt(storm.seconds, 1)} s`,
    '',
    'exactly 1, every copy 2xx',
    check(stored === 1 && (storm.statuses.get(202) ?? 0) === 1 && (storm.statuses.get(200) ?? 0) === copies - 1),
  ]);
}

// ---- Uploads: presigning 100 part URLs in a call; 1 GiB through the SDK vs one PutObject ----
const MiB = 1024 * 1024;
async function uploadsSection() {
  process.stderr.write('uploads: presigning…\n');
  durations.delete('presignUploadParts');
  const presign = await measurePresign({ runtime, driver, origin, auth, call });
  const handlerMs = median(durations.get('presignUploadParts') ?? [NaN]);
  const ms = (n: number) => `${fmt(n)} ms`;
  const apiP50 = median(presign.api);
  const bareP50 = median(presign.bare);
  const sdkP50 = median(presign.getSignedUrl);
  section(`Presigning: POST /v1/uploads/{id}/parts for ${partsPerCall} parts, each with its SHA-256, sent by the load driver through the local gateway, vs ${partsPerCall} bare SigV4 query signings (SignatureV4.presign, @smithy/signature-v4) of the same UploadPart URL in-process (${presignRounds} rounds of ${presignPerRound} calls, or batches of ${partsPerCall} signings, a side, after one round to warm up)`);
  rows.push(['per URL, p50 (a call\'s time / 100)', ms(apiP50 / partsPerCall), ms(bareP50 / partsPerCall), `${fmt(apiP50 / bareP50)}×`, '', '']);
  rows.push([
    `a call of ${partsPerCall} URLs vs ${partsPerCall} × bare SigV4, p50 (p99)`,
    `${ms(apiP50)} (${ms(percentile(presign.api, 99))})`,
    `${ms(bareP50)} (${ms(percentile(presign.bare, 99))})`,
    `${fmt(apiP50 / bareP50)}×`,
    '≤ 20×',
    check(apiP50 / bareP50 <= 20),
  ]);
  rows.push([
    `${partsPerCall} × getSignedUrl (@aws-sdk/s3-request-presigner, as the service calls it), p50`,
    ms(sdkP50),
    ms(bareP50),
    `${fmt(sdkP50 / bareP50)}×`,
    '',
    'for reference',
  ]);
  rows.push(['the call\'s handler alone (presignUploadParts, in-process), p50', ms(handlerMs), ms(sdkP50), `${fmt(handlerMs / sdkP50)}×`, '', 'for reference']);

  process.stderr.write('uploads: 1 GiB…\n');
  const upload = await measureUpload({ runtime, driver, origin, auth, call });
  const s = (n: number) => `${fmt(n, 1)} s`;
  const sdkSeconds = median(upload.sdk.map((r) => r.seconds));
  const putSeconds = median(upload.put.map((r) => r.seconds));
  const mbps = (seconds: number) => `${fmt(fileBytes / MiB / seconds, 0)} MiB/s`;
  const first = upload.sdk[0]!;
  section(`A ${fmt(fileBytes / 1024 ** 3, 0)} GiB file of random bytes on disk: uploadFile (sdk/src/upload.ts, its defaults: 4 parts in flight, whole-file SHA-256 first, part checksums; ${first.partCount} parts of ${fmt(first.partSize / MiB, 0)} MiB; complete answers 202 and the finishUploads worker reads the object back, as the product does above 64 MiB) vs the same bytes by PutObject to the same local S3 front, streamed from the file: fauxqs refuses a body over 11 MiB (413), so not one PutObject of 1 GiB but ${upload.put[0]!.objects} of ${fmt(putObjectBytes / MiB, 0)} MiB, one at a time, a single PutObject stream's rate; each in a process of its own on the load driver's core (${uploadRounds} rounds in alternating order; medians)`);
  rows.push(['time (ratio: PutObject time / SDK time)', `${s(sdkSeconds)} (${mbps(sdkSeconds)})`, `${s(putSeconds)} (${mbps(putSeconds)})`, `${fmt(putSeconds / sdkSeconds)}×`, '≥ 1×', check(putSeconds / sdkSeconds >= 1)]);
  const phase = (pick: (r: (typeof upload.sdk)[number]) => number) => median(upload.sdk.map(pick));
  const hashing = phase((r) => r.createdSeconds);
  const sending = phase((r) => r.partsSeconds - r.createdSeconds);
  const completing = phase((r) => r.seconds - r.partsSeconds);
  rows.push([
    'the SDK\'s time by phase: whole-file SHA-256 and create · parts hashed, presigned, PUT and recorded · complete and the worker\'s read-back (polled every 0.5 s)',
    `${s(hashing)} · ${s(sending)} · ${s(completing)}`,
    `parts alone: ${mbps(sending)}`,
    `${fmt(putSeconds / sending)}× (PutObject / parts alone)`,
    '',
    'for reference',
  ]);
  const maxRss = Math.max(...upload.sdk.map((r) => r.maxRssMb));
  rows.push([
    'peak RSS of the uploader\'s process (the higher of the rounds)',
    `${fmt(maxRss, 0)} MB`,
    `${fmt(median(upload.sdk.map((r) => r.loadedRssMb)), 0)} MB once loaded; PutObject's process ${fmt(Math.max(...upload.put.map((r) => r.maxRssMb)), 0)} MB`,
    '',
    `≤ ${uploadRssBudgetMb} MB`,
    check(maxRss <= uploadRssBudgetMb),
  ]);
  rows.push(['each round: SDK / PutObject', upload.sdk.map((r) => s(r.seconds)).join(', '), upload.put.map((r) => s(r.seconds)).join(', '), '', '', 'for reference']);
}

// ---- Monitoring: what counters add to a request; the overview vs one GetItem; evaluating 1,000 alert rules ----
async function monitoringSection() {
  process.stderr.write('monitoring…\n');
  const ms = (n: number) => `${fmt(n, 2)} ms`;
  const counters = await measureMetrics(runtime);
  section(`Counters (shared/metrics/tally.ts) on a read route: one GET route through the one HTTP wrapper (createHttp), in-process, its handler one GetItem on DynamoDB Local, with the real tally (counts the request, flushes to the metrics table as the wrapper's policy says: before answering after an idle second, else held ≤ 1 s and written alongside a later request) vs no tally (${metricsRounds} rounds of ${metricsRequestsPerRound} requests a side, alternating, after one to warm up)`);
  rows.push([
    'a request, counters on vs off, p50 (p99)',
    `${ms(median(counters.on))} (${ms(percentile(counters.on, 99))})`,
    `${ms(median(counters.off))} (${ms(percentile(counters.off, 99))})`,
    `${fmt(counters.ratioP50)}×`,
    '≤ 1.1×',
    check(counters.ratioP50 <= 1.1),
  ]);
  rows.push(['DynamoDB requests per request, counters on vs off', fmt(counters.dynamoRequestsPerRequest.on, 3), fmt(counters.dynamoRequestsPerRequest.off, 3), '', '', 'for reference']);

  const overview = await measureOverview({ runtime, driver, origin, auth, call });
  section(`GET /v1/overview through the local gateway (sent by the load driver) vs one raw consistent GetItem of the item it starts from, on the same DynamoDB Local (${overviewRounds} rounds of ${overviewPerRound} a side)`);
  rows.push(['p50 (p99)', `${ms(overview.gateway.p50)} (${ms(overview.gateway.p99)})`, `${ms(overview.getItem.p50)} (${ms(overview.getItem.p99)})`, `${fmt(overview.gateway.p50 / overview.getItem.p50)}×`, '', 'for reference']);

  const alerts = await measureAlerts(runtime);
  section(`The alert evaluator (shared/alerts/evaluator.ts), in-process: ${alerts.rules.toLocaleString('en-US')} rules of ${alertTenants} tenants (${rulesPerTenant} each) on DynamoDB Local, notifications to stand-ins`);
  const run = (label: string, figures: AlertRunFigures) =>
    rows.push([
      label,
      `${fmt(figures.wallMs / 1000, 2)} s`,
      `${figures.requests.toLocaleString('en-US')} DynamoDB requests (${Object.entries(figures.byCommand).map(([command, n]) => `${command.replace(/Command$/, '')} ${n}`).join(' · ')}); ${figures.outcome.reads} metric reads`,
      '',
      '',
      'for reference',
    ]);
  run(`a run that opens ${alerts.opening.outcome.opened} alerts`, alerts.opening);
  run('the next run, nothing changed', alerts.steady);
}

// `npm run bench -- throughput vault` runs only those sections (gateway and cost always run together).
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
if (want('bundles')) await bundlesSection();
if (want('gateway') || want('cost')) {
  await gatewaySection();
  costSection();
}
if (want('throughput')) await throughputSection();
if (want('vault')) await vaultSection();
if (want('connections')) await connectionsSection();
if (want('oauth')) await oauthSection();
if (want('webhooks')) await webhooksSection();
if (want('syncs')) await syncsSection();
if (want('inbound')) await inboundSection();
if (want('uploads')) await uploadsSection();
if (want('monitoring')) await monitoringSection();

driver.stop();
await runtime.stop();

// ---- The table ----
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const ticksAtEnd = cpuTicks();
const steal =
  ticksAtStart && ticksAtEnd && ticksAtEnd.total > ticksAtStart.total
    ? `; the hypervisor took ${(((ticksAtEnd.steal - ticksAtStart.steal) / (ticksAtEnd.total - ticksAtStart.total)) * 100).toFixed(1)}% of the CPU time (steal)`
    : '';
const header = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpu}, Node ${process.version}; ` +
    `${canPin ? "gateway and functions on core 0, load driver on core 1, DynamoDB Local's JVM on both" : 'taskset unavailable: processes not pinned'}; ` +
    `run took ${Math.round((Date.now() - started) / 1000)} s${steal}.`,
];
const bundleTable = bundleRows.length
  ? [
      '',
      `Bundles, minified as deployed, and init: median of 20 fresh node processes loading each (spawn to exit; the import alone in brackets), alternating with an empty handler's processes, all with NODE_OPTIONS=--enable-source-maps as deployed. Budgets: ≤ ${bundleBudgetBytes / 1024} KiB, init ≤ ${initBudgetRatio}× the empty handler's.`,
      '',
      '| function | kind | bundle KiB | init ms (import) | empty-handler init ms | ratio | |',
      '|---|---|---|---|---|---|---|',
      ...bundleRows,
    ]
  : [];
const otherTable = rows.length ? ['', '| what | measured | side by side | ratio | target | |', '|---|---|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)] : [];
const table_ = [...header, ...bundleTable, ...otherTable].join('\n');
mkdirSync(join(root, '.build'), { recursive: true });
writeFileSync(join(root, '.build/bench.md'), `${table_}\n`);
process.stdout.write(`${table_}\n`);
process.exit(0);
