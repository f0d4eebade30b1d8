/**
 * Error groups: failures counted by what they are (kind) and where (integration,
 * connection, route), with first and last seen and one sanitized sample.
 */
export interface ErrorGroup {
  /** `api.server_error`, `api.validation`, `sync.provider_error`, `webhook.delivery_failed`, … */
  kind: string;
  integration?: string;
  connection?: string;
  route?: string;
}

/** A group is forgotten 30 days after it was last seen. */
export const errorGroupTtlSeconds = 30 * 86_400;
export const maxSampleLength = 300;

const enc = (value: string | undefined) => encodeURIComponent(value ?? '');

/** The group's sort key: its four parts, each encoded, so no part can forge another group. */
export function errorGroupKey(group: ErrorGroup): string {
  return `${enc(group.kind)}#${enc(group.integration)}#${enc(group.connection)}#${enc(group.route)}`;
}

const secretName = String.raw`[\w.-]*(?:token|secret|password|passwd|pwd|api[-_]?key|apikey|credential|auth|signature|sig|session|cookie|[\w-]+key)[\w.-]*`;
const replacements: Array<[RegExp, string]> = [
  // Authorization schemes and whatever follows them.
  [/\b(bearer|basic|token|digest)\s+[^\s"',;]+/gi, '$1 [redacted]'],
  // user:password@ in a URL.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1[redacted]@'],
  // A URL's query string may carry `?access_token=`, `?sig=`: drop it whole.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"']*)\?[^\s#"']*/gi, '$1?[redacted]'],
  // name=value, name: value and "name":"value" where the name sounds secret.
  [new RegExp(String.raw`(["']?${secretName}["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s&,;"'}]+)`, 'gi'), '$1[redacted]'],
  // Junction's keys, JWTs and well-known provider token shapes.
  [/\bjh_[A-Za-z0-9_-]{8,}/g, 'jh_[redacted]'],
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?/g, '[redacted]'],
  [/\b(gh[pousr]_|github_pat_|xox[abposr]-|sk_live_|sk_test_|rk_live_|ya29\.|AKIA)[A-Za-z0-9_.-]+/g, '[redacted]'],
  // Any other long unbroken run of token characters (ids are 30 characters at most).
  [/[A-Za-z0-9_+/=-]{40,}/g, '[redacted]'],
];

/**
 * One sample as kept: never a secret nor a provider's raw token. Redaction runs before the
 * length cap, so a token cut in half by the cap can not survive as its first half.
 */
export function sanitizeSample(sample: string): string {
  // eslint-disable-next-line no-control-regex
  let text = String(sample).replace(/[\u0000-\u001f\u007f]+/g, ' ');
  for (const [pattern, replacement] of replacements) text = text.replace(pattern, replacement);
  return text.length > maxSampleLength ? `${text.slice(0, maxSampleLength - 1)}…` : text;
}
