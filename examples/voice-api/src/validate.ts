import type { z } from 'zod';
import { HttpError } from './problem.ts';

/** Parses or throws a 400 whose detail names the fields and rules, never the rejected values. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : what}: ${issue.message}`);
  throw new HttpError(400, issues.join('; '));
}
