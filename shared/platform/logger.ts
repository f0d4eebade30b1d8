import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger. Its JSON replacer redacts anything that looks like a secret before a
 * line is written: fields named like credentials, and Junction API keys wherever they
 * appear in a string (an error message, a header echoed back, a URL).
 */
const secretField = /authorization|password|secret|token|api[-_]?key|credential|cookie/i;
const apiKeyPattern = /jh_[A-Za-z0-9_-]{8,}/g;
const bearerPattern = /(bearer\s+)[^\s"',]+/gi;

export function redact(key: string, value: unknown): unknown {
  if (key !== '' && secretField.test(key) && value !== null && typeof value !== 'object') {
    return '[redacted]';
  }
  if (typeof value === 'string') {
    return value.replace(apiKeyPattern, 'jh_[redacted]').replace(bearerPattern, '$1[redacted]');
  }
  return value;
}

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'junction',
  jsonReplacerFn: redact,
});
