/**
 * Domain errors. A handler throws one of these; the HTTP wrapper turns it into an
 * RFC 9457 problem+json response with the matching status. Anything else is a bug and
 * answers a bare 500.
 */
export interface FieldError {
  /** Dotted path of the offending field, `body.name` or `query.limit`. */
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

export const problemType = (slug: string) => `urn:junction:problem:${slug}`;

export class Invalid extends DomainError {
  constructor(detail: string, errors?: FieldError[]) {
    super(400, problemType('invalid-request'), 'The request is not valid', detail, errors);
  }
}

export class Unauthenticated extends DomainError {
  constructor(detail: string) {
    super(401, problemType('unauthenticated'), 'Authentication required', detail, undefined, {
      'www-authenticate': 'Bearer realm="junction"',
    });
  }
}

export class Forbidden extends DomainError {
  constructor(detail: string) {
    super(403, problemType('forbidden'), 'Not allowed', detail);
  }
}

export class NotFound extends DomainError {
  constructor(detail: string) {
    super(404, problemType('not-found'), 'Not found', detail);
  }
}

export class MethodNotAllowed extends DomainError {
  constructor(detail: string, allowed: string[]) {
    super(405, problemType('method-not-allowed'), 'Method not allowed', detail, undefined, {
      allow: allowed.join(', '),
    });
  }
}

export class Conflict extends DomainError {
  constructor(detail: string, headers?: Record<string, string>) {
    super(409, problemType('conflict'), 'Conflict', detail, undefined, headers);
  }
}

/** The same Idempotency-Key sent with a different request (IETF httpapi idempotency draft: 422). */
export class IdempotencyKeyReused extends DomainError {
  constructor(detail: string) {
    super(422, problemType('idempotency-key-reused'), 'Idempotency-Key reused', detail);
  }
}

export class PreconditionFailed extends DomainError {
  constructor(detail: string) {
    super(412, problemType('precondition-failed'), 'Precondition failed', detail);
  }
}

export class PreconditionRequired extends DomainError {
  constructor(detail: string) {
    super(428, problemType('precondition-required'), 'Precondition required', detail);
  }
}

export class PayloadTooLarge extends DomainError {
  constructor(detail: string) {
    super(413, problemType('payload-too-large'), 'Payload too large', detail);
  }
}

export class UnsupportedMediaType extends DomainError {
  constructor(detail: string) {
    super(415, problemType('unsupported-media-type'), 'Unsupported media type', detail);
  }
}

/** A provider Junction depends on failed (its token endpoint answered 5xx or nothing). */
export class BadGateway extends DomainError {
  constructor(detail: string, headers?: Record<string, string>) {
    super(502, problemType('provider-failed'), 'The provider failed', detail, undefined, headers);
  }
}
