import * as z from 'zod';

/**
 * A human-readable name: trimmed, 1–100 characters, well-formed Unicode (no lone
 * surrogates, which DynamoDB would refuse as invalid UTF-8), no control characters, no
 * bidirectional overrides (which make a name display as something else), and at least one
 * visible character (not only zero-width or format characters).
 */
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((text) => text.isWellFormed(), 'must be well-formed Unicode')
  .refine((text) => !/[\u0000-\u001f\u007f-\u009f]/.test(text), 'must not contain control characters')
  .refine((text) => !/[\u202a-\u202e\u2066-\u2069]/.test(text), 'must not contain bidirectional override characters')
  // (An empty name already failed min(1): one error is enough.)
  .refine((text) => text === '' || /[\p{L}\p{N}\p{P}\p{S}]/u.test(text), 'must contain a visible character');
