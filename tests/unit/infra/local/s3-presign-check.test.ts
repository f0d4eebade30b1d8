import { S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkSignature } from '../../../../infra/local/s3-presign-check';

/**
 * The local S3 front's check against URLs the SDK's own presigner made: a URL as signed
 * passes; any change the signature covers, or the clock past its expiry, is refused.
 */
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const s3 = new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:4566', forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
const checksum = Buffer.alloc(32, 7).toString('base64');
const signed = new Set(['content-length', 'x-amz-checksum-sha256']);
const headers = { host: '127.0.0.1:4566', 'content-length': '10', 'x-amz-checksum-sha256': checksum };
const signedAt = Date.UTC(2026, 0, 1, 12);

async function presigned(expiresIn = 900) {
  const command = new UploadPartCommand({ Bucket: 'b', Key: 'uploads/t/upl_1', UploadId: 'u1', PartNumber: 1, ContentLength: 10, ChecksumSHA256: checksum });
  return new URL(await getSignedUrl(s3, command, { expiresIn, signingDate: new Date(signedAt), signableHeaders: signed, unhoistableHeaders: signed }));
}
const check = (url: URL, at = signedAt + 1000, sent: Record<string, string> = headers, method = 'PUT') =>
  checkSignature({ method, headers: sent }, url, credentials, at);

afterAll(() => s3.destroy());

describe('checking a presigned request', () => {
  it('passes the request as it was signed', async () => {
    expect(await check(await presigned())).toBeUndefined();
  });

  it.each([
    ['a changed part number', (url: URL) => url.searchParams.set('partNumber', '2')],
    ['a changed upload id', (url: URL) => url.searchParams.set('uploadId', 'u2')],
    ['an added parameter', (url: URL) => url.searchParams.set('versionId', 'x')],
    ['a longer expiry', (url: URL) => url.searchParams.set('X-Amz-Expires', '3600')],
    ['another key', (url: URL) => (url.pathname = '/b/uploads/t/upl_2')],
  ])('refuses %s: SignatureDoesNotMatch', async (_what, change) => {
    const url = await presigned();
    change(url);
    expect(await check(url)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses another checksum or length in the signed headers, and a signed header left out', async () => {
    const url = await presigned();
    expect(await check(url, undefined, { ...headers, 'x-amz-checksum-sha256': Buffer.alloc(32, 8).toString('base64') })).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(await check(url, undefined, { ...headers, 'content-length': '11' })).toMatchObject({ code: 'SignatureDoesNotMatch' });
    const { 'x-amz-checksum-sha256': _left, ...without } = headers;
    expect(await check(url, undefined, without)).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(await check(url, undefined, headers, 'GET')).toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('refuses it once its expiry has passed, and not a second before', async () => {
    const url = await presigned(60);
    expect(await check(url, signedAt + 60_000)).toBeUndefined();
    expect(await check(url, signedAt + 60_001)).toEqual({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
  });

  it('refuses another access key and a malformed query', async () => {
    const url = await presigned();
    url.searchParams.set('X-Amz-Credential', url.searchParams.get('X-Amz-Credential')!.replace('local/', 'other/'));
    expect(await check(url)).toMatchObject({ code: 'InvalidAccessKeyId' });
    const bare = await presigned();
    bare.searchParams.delete('X-Amz-Date');
    expect(await check(bare)).toMatchObject({ status: 400, code: 'AuthorizationQueryParametersError' });
  });
});
