import * as z from 'zod';
import { PageQuery } from '../platform/pagination';
import { responseSchema, scopes } from '../platform/contract';
import { idPattern } from '../platform/ids';
import { DisplayName } from '../platform/text';

export const Scope = z.enum(scopes as ['read', 'write', 'admin']);

export const tenantIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const apiKeyIdPattern = idPattern('key');

export const ApiKeyInput = z
  .strictObject({
    name: DisplayName,
    scopes: z
      .array(Scope)
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'scopes must not repeat')
      .default(['read', 'write']),
  })
  .meta({ id: 'ApiKeyInput' });
export type ApiKeyInput = z.infer<typeof ApiKeyInput>;

export const ApiKey = responseSchema(() =>
  z
    .object({
      id: z.string(),
      name: z.string(),
      /** The first characters of the key, to recognise it by. */
      prefix: z.string(),
      scopes: z.array(Scope),
      createdAt: z.iso.datetime(),
      revokedAt: z.iso.datetime().nullable(),
    })
    .meta({ id: 'ApiKey' }),
);
export type ApiKey = z.infer<ReturnType<typeof ApiKey>>;

export const ApiKeyCreated = responseSchema(() =>
  ApiKey().extend({
    /** The key itself, shown this once; Junction keeps only its hash. */
    secret: z.string().startsWith('jh_'),
  }).meta({ id: 'ApiKeyCreated' }),
);
export type ApiKeyCreated = z.infer<ReturnType<typeof ApiKeyCreated>>;

export const ApiKeyPath = z.strictObject({
  id: z.string().regex(apiKeyIdPattern, 'not an API key id (key_…)'),
});

export const ApiKeyListQuery = PageQuery.extend({
  status: z.enum(['active', 'revoked']).optional(),
});
