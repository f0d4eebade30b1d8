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
 * Cursors are DynamoDB's LastEvaluatedKey, base64url-encoded. The partition key is not
 * trusted from the cursor: decoding checks it against the caller's own partition, so a
 * cursor can never walk into another tenant's items.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | null {
  return lastKey ? Buffer.from(JSON.stringify(lastKey)).toString('base64url') : null;
}

export function decodeCursor(
  cursor: string | undefined,
  expected: { pk: string },
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  const valid =
    key !== null &&
    typeof key === 'object' &&
    !Array.isArray(key) &&
    Object.values(key).every((v) => typeof v === 'string') &&
    (key as Record<string, string>).pk === expected.pk;
  if (!valid) {
    throw new Invalid('the cursor is not one this list returned', [
      { field: 'query.cursor', message: 'unknown cursor' },
    ]);
  }
  return key as Record<string, string>;
}
