import { Invalid, PreconditionRequired } from './errors';

const noVersion = 0;

/**
 * Optimistic concurrency: a versioned resource answers `ETag: "<version>"`, and an update
 * must send it back in If-Match: `"3"` as answered, or a bare `3`. If-Match compares
 * strongly (RFC 9110 §13.1.1), so a weak `W/"3"` matches no version: it reads as version 0,
 * which no resource has (they start at 1), so an existing resource answers 412 and a
 * missing one still 404. `*` and lists of ETags are refused rather than half-supported.
 */
export function versionFromIfMatch(headers: Record<string, string | undefined>): number {
  const value = headers['if-match']?.trim();
  if (!value) {
    throw new PreconditionRequired('send If-Match with the version you read (the ETag of GET), e.g. If-Match: "3"');
  }
  if (/^W\//.test(value)) return noVersion;
  const match = /^(?:"([1-9]\d{0,8})"|([1-9]\d{0,8}))$/.exec(value);
  if (!match) {
    throw new Invalid('If-Match takes one ETag as GET answered it, such as "3" (not *, a list or another form)', [
      { field: 'headers.if-match', message: 'not a version' },
    ]);
  }
  return Number(match[1] ?? match[2]);
}

export const etag = (version: number) => ({ etag: `"${version}"` });
