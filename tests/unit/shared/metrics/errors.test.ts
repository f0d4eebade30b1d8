import { errorGroupKey, maxSampleLength, sanitizeSample } from '../../../../shared/metrics/errors';

describe('an error sample', () => {
  it.each([
    ['a bearer token', 'provider said 401 to Authorization: Bearer ya29.a0AfH6SMBx-secret-token', 'ya29'],
    ['a basic credential', 'Basic dXNlcjpwYXNzd29yZA== was refused', 'dXNlcjpwYXNzd29yZA'],
    ['a query string credential', 'GET https://api.example.com/v1/items?api_key=abc123secret&page=2 timed out', 'abc123secret'],
    ['a URL password', 'could not reach https://user:hunter2@db.example.com/', 'hunter2'],
    ['a JSON secret field', '{"error":"bad","client_secret":"s3cr3t-value"}', 's3cr3t-value'],
    ['a name=value secret', 'refresh failed: refresh_token=1//0gAbCdEf expired', '1//0gAbCdEf'],
    ['a Junction API key', 'key jh_live_abcdefghijklmnop revoked', 'jh_live_abcdefghijklmnop'],
    ['a provider token shape', 'token ghp_0123456789abcdefghijklmnopqrstuvwx leaked', 'ghp_0123456789'],
    ['a JWT', 'id token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_nature rejected', 'eyJzdWIiOiIxMjM0In0'],
  ])('never keeps %s', (_, sample, secret) => {
    expect(sanitizeSample(sample)).not.toContain(secret);
  });

  it('keeps the words around what it removes', () => {
    expect(sanitizeSample('GET https://api.example.com/v1/items?token=x timed out')).toBe('GET https://api.example.com/v1/items?[redacted] timed out');
  });

  it('is cut to 300 characters, after redaction', () => {
    const sample = `${'a '.repeat(200)}Bearer ${'x'.repeat(500)}`;
    const kept = sanitizeSample(sample);
    expect(kept.length).toBeLessThanOrEqual(maxSampleLength);
    expect(kept).not.toContain('xxxx');
  });
});

describe('an error group key', () => {
  it('can not be forged by a part holding the separator', () => {
    expect(errorGroupKey({ kind: 'a#b', route: 'c' })).not.toBe(errorGroupKey({ kind: 'a', integration: 'b', route: 'c' }));
  });
});
