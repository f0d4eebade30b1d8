import { logger, redact } from '../../../../shared/platform/logger';
import { captureOutput } from '../../../support/runtime';

const key = 'jh_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';

describe('log redaction', () => {
  it('redacts fields named like secrets', () => {
    expect(redact('clientSecret', 'abc')).toBe('[redacted]');
    expect(redact('Authorization', 'Bearer x')).toBe('[redacted]');
    expect(redact('name', 'abc')).toBe('abc');
  });

  it('redacts API keys and bearer tokens inside any string', () => {
    expect(redact('message', `failed for ${key} today`)).toBe('failed for jh_[redacted] today');
    expect(redact('message', 'sent Bearer abc.def')).toBe('sent Bearer [redacted]');
  });

  it('keeps secrets out of the lines the logger writes', async () => {
    const { output } = await captureOutput(async () => {
      logger.info(`trying ${key}`, { headers: { authorization: `Bearer ${key}` }, password: 'hunter2' });
      logger.error('boom', new Error(`bad key ${key}`));
    });
    expect(output).toContain('trying jh_[redacted]');
    expect(output).not.toContain(key.slice(3));
    expect(output).not.toContain('hunter2');
  });
});
