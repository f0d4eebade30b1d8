import { Invalid, PreconditionRequired } from './errors';

/**
 * Optimistic concurrency: a versioned resource answers `ETag: "<version>"`, and an update
 * must send it back in If-Match. Accepts `"3"`, `W/"3"` and a bare `3`.
 */
export function versionFromIfMatch(headers: Record<string, string | undefined>): number {
  const value = headers['if-match'];
  if (value === undefined) {
    throw new PreconditionRequired('send If-Match with the version you read (the ETag of GET), e.g. If-Match: "3"');
  }
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(value);
  if (!match) throw new Invalid('If-Match must be a version such as "3"', [{ field: 'headers.if-match', message: 'not a version' }]);
  return Number(match[1]);
}

export const etag = (version: number) => ({ etag: `"${version}"` });
