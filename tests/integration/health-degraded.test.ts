import { DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

it('answers 503 and names the dependency that is down', async () => {
  const s3 = new S3Client({
    endpoint: runtime.env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await s3.send(new DeleteBucketCommand({ Bucket: runtime.env.UPLOADS_BUCKET_NAME }));
  s3.destroy();

  const response = await runtime.call('/v1/health', { key: null });
  expect(response.status).toBe(503);
  const health = await response.json();
  expect(health.status).toBe('degraded');
  expect(health.dependencies[`bucket:${runtime.env.UPLOADS_BUCKET_NAME}`]).toMatchObject({ status: 'down', error: expect.any(String) });
  expect(health.dependencies[`table:${runtime.env.MAIN_TABLE_NAME}`].status).toBe('up');
});
