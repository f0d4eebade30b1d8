import * as z from 'zod';

/**
 * A human-readable name: trimmed, 1–100 characters, well-formed Unicode (no lone
 * surrogates, which DynamoDB would refuse as invalid UTF-8) and no control characters.
 */
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((text) => text.isWellFormed(), 'must be well-formed Unicode')
  .refine((text) => !/[\u0000-\u001f\u007f-\u009f]/.test(text), 'must not contain control characters');
