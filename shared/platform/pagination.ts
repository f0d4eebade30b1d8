import * as z from 'zod';
import { responseSchema, type ResponseSchema } from './contract';
import { Invalid } from './errors';

/** `?limit=&cursor=` on every list. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(1024).optional(),
});

/** A page of `item`s, as every list answers. */
export const page = <T extends z.ZodType>(item: ResponseSchema<T>) =>
  responseSchema(() => z.object({ data: z.array(item()), nextCursor: z.string().nullable() }));

/**
 * Cursors are DynamoDB's LastEvaluatedKey, base64url-encoded. Nothing in a cursor is
 * trusted: decoding checks that it is exactly a `pk`/`sk` key in the caller's own partition
 * and inside the list's sort-key range, so a cursor can never walk into another tenant's
 * items, and a forged one is a 400, never a query DynamoDB refuses.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | null {
  return lastKey ? Buffer.from(JSON.stringify(lastKey)).toString('base64url') : null;
}

/**
 * The key a list's cursor names, if it is one this list could have returned: in the
 * expected partition, under the expected prefix, and for a list read through `gsi1`, the
 * index's key in the expected index partition too (a cursor naming another tenant's
 * partition is refused).
 */
export function decodeCursor(
  cursor: string | undefined,
  expected: { pk: string; prefix: string; index?: { pk: string } },
): { pk: string; sk: string; gsi1pk?: string; gsi1sk?: string } | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  if (!isKeyIn(key, expected)) {
    throw new Invalid('the cursor is not one this list returned', [
      { field: 'query.cursor', message: 'unknown cursor' },
    ]);
  }
  return key;
}

function isKeyIn(key: unknown, expected: { pk: string; prefix: string; index?: { pk: string } }): key is { pk: string; sk: string; gsi1pk?: string; gsi1sk?: string } {
  if (key === null || typeof key !== 'object' || Array.isArray(key)) return false;
  const { pk, sk, gsi1pk, gsi1sk, ...rest } = key as Record<string, unknown>;
  const index = expected.index ? gsi1pk === expected.index.pk && typeof gsi1sk === 'string' : gsi1pk === undefined && gsi1sk === undefined;
  return (
    Object.keys(rest).length === 0 &&
    index &&
    pk === expected.pk &&
    typeof sk === 'string' &&
    sk.startsWith(expected.prefix)
  );
}
