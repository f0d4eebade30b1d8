import { defaultTimeoutSeconds, settingsEnv, type FunctionDeclaration, type RouteDeclaration } from '../../infra/declaration';
import { accessEnv } from '../../shared/platform/resource-env';
import { declaration as product } from '../../infra/functions';
import { withAccess, withFunctions } from '../fixtures/declaration';
import { captureOutput, startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * Each function runs in its own container with exactly the variables its declaration
 * grants, as in AWS: a function that forgets to declare a resource fails locally too.
 */
const environment = (access: FunctionDeclaration['access'], more: Partial<FunctionDeclaration> = {}): FunctionDeclaration => ({
  kind: 'schedule',
  entry: 'tests/fixtures/functions/environment.ts',
  expression: 'rate(1 day)',
  access,
  ...more,
} as FunctionDeclaration);

type Answer = { env: Record<string, string>; invocation: number; mostAtOnce: number; functionName: string; remainingMs: number };

/** The variables that locate resources or carry settings: what a declaration decides. */
const declaredPart = (env: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(env).filter(([name]) => /_TABLE_NAME$|_QUEUE_URL$|_BUCKET_NAME$|^KEY_ARN$|KEYRING|^RATE_LIMIT_PER_MINUTE$/.test(name)),
  );

describe('a function\'s container', () => {
  let runtime: TestRuntime;
  const declaration = withFunctions({
    readsMain: environment({ tables: { main: 'read' } }),
    writesLimitsAndSeals: environment({ tables: { limits: 'write' }, bucket: 'read', key: 'decrypt' }),
    slow: environment({}, { timeoutSeconds: 1 }),
    keyedRoute: { ...(product.functions.listApiKeys as RouteDeclaration), route: 'GET /v1/test/environment', entry: 'tests/fixtures/functions/environment.ts', access: { tables: { main: 'read' } } },
  });
  beforeAll(async () => {
    runtime = await startTestRuntime({ declaration });
  });
  afterAll(() => runtime.stop());

  const invoke = (name: string, event: object = {}) => runtime.functions.invoke(name, event) as Promise<Answer>;

  it('holds only the variables of the resources its declaration grants, as the CDK app sets them', async () => {
    const reader = await invoke('readsMain');
    const writer = await invoke('writesLimitsAndSeals');

    expect(declaredPart(reader.env)).toEqual({ MAIN_TABLE_NAME: runtime.env.MAIN_TABLE_NAME });
    expect(declaredPart(writer.env)).toEqual({
      LIMITS_TABLE_NAME: runtime.env.LIMITS_TABLE_NAME,
      UPLOADS_BUCKET_NAME: runtime.env.UPLOADS_BUCKET_NAME,
      LOCAL_KEYRING_PATH: runtime.env.LOCAL_KEYRING_PATH,
      LOCAL_PREVIOUS_KEYRING_PATHS: runtime.env.LOCAL_PREVIOUS_KEYRING_PATHS,
    });
    // The runtime's own process has every variable; no function inherits it.
    expect(runtime.env.LIMITS_TABLE_NAME).toBeDefined();
    expect(reader.env.PATH).toBeUndefined();
  });

  it('holds RATE_LIMIT_PER_MINUTE when it is a route that spends the tenant\'s budget, as the CDK app sets it', async () => {
    const route = declaration.functions.keyedRoute!;
    const answer = await invoke('keyedRoute');
    expect(declaredPart(answer.env)).toEqual({
      ...settingsEnv(route, { rateLimitPerMinute: 1200, eventRetentionDays: 30, webhookDisableAfterDays: 5, syncStallMinutes: 30, uploadContentTypes: 'application/*', uploadTenantQuotaGiB: 1024, uploadTenantOpenSessions: 100, uploadInlineVerifyMaxMiB: 64, alertEmailFrom: 'alerts@example.com' }),
      ...accessEnv(route.access, { tables: { main: runtime.env.MAIN_TABLE_NAME! }, queues: {}, bucket: null, key: {} }),
    });
    expect(answer.env.RATE_LIMIT_PER_MINUTE).toBe('1200');
  });

  it('is Lambda\'s context for the function, with the time left before its timeout', async () => {
    const answer = await invoke('readsMain');
    expect(answer.functionName).toBe('readsMain');
    expect(answer.remainingMs).toBeGreaterThan(0);
    expect(answer.remainingMs).toBeLessThanOrEqual(defaultTimeoutSeconds * 1000);
  });

  it('fails an invocation that outlives the declared timeout, as Lambda does', async () => {
    await expect(invoke('slow', { waitMs: 3000 })).rejects.toThrow('slow: Task timed out after 1 seconds');
  });

  it('serves many invocations at once, and keeps its module state between them', async () => {
    const before = (await invoke('readsMain')).invocation;
    const answers = await Promise.all(Array.from({ length: 20 }, () => invoke('readsMain', { waitMs: 200 })));
    expect(answers.map((a) => a.invocation).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => before + i + 1));
    expect(Math.max(...answers.map((a) => a.mostAtOnce))).toBeGreaterThan(1);
  });

  it('fails an invocation with the error its handler throws, its stack pointing at the TypeScript', async () => {
    const failed = invoke('readsMain', { fail: 'no such thing' });
    await expect(failed).rejects.toThrow('no such thing');
    await expect(failed).rejects.toHaveProperty('stack', expect.stringContaining('tests/fixtures/functions/environment.ts:'));
  });

  it('fails what it was running when it crashes, and the next invocation starts a new container', async () => {
    await invoke('writesLimitsAndSeals');
    await expect(invoke('writesLimitsAndSeals', { crash: true })).rejects.toThrow('crashed outside the invocation');
    expect((await invoke('writesLimitsAndSeals')).invocation).toBe(1);
  });

  it('keeps what the function logs in the runtime, with the function\'s name, off this process\'s output', async () => {
    const { output } = await captureOutput(() => invoke('readsMain', { log: 'a line from readsMain' }));
    expect(output).toBe('');
    expect(runtime.logs).toContainEqual({ source: 'readsMain', stream: 'stdout', text: 'a line from readsMain\n' });
  });
});

describe('a function that does not declare the key', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    // createConnection seals the credentials it is given: without `key`, as if its author forgot it.
    runtime = await startTestRuntime({ declaration: withAccess('createConnection', { tables: { main: 'readwrite', limits: 'write' } }) });
  });
  afterAll(() => runtime.stop());

  it('cannot open or seal credentials locally, failing as it would in AWS without KEY_ARN', async () => {
    const { result: response, output } = await runtime.logsDuring(() =>
      runtime.call('/v1/connections', { method: 'POST', json: { integration: 'stripe', name: 'No key', credentials: { apiKey: 'sk_test_123' } } }),
    );
    expect(response.status).toBe(500);
    expect(output).toContain('credential vault cannot start: set exactly one of KEY_ARN (AWS) and LOCAL_KEYRING_PATH (local mode)');
  });
});
