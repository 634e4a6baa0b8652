import type { z } from 'zod';
import { ShakedownError } from '../../errors.ts';

/**
 * Validates a built-in scenario's options when the script calls the factory, so a typo fails the
 * load (exit 2, with the script's path added by the loader) with every problem and its path at once,
 * instead of surfacing mid-run as a confusing check failure.
 */
export function parseScenarioOptions<S extends z.ZodType>(
  factory: string,
  schema: S,
  value: unknown,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const at = issue.path.length > 0 ? issue.path.map(String).join('.') : '(options)';
    return `  - ${at}: ${issue.message}`;
  });
  throw new ShakedownError(
    'SHK_SCRIPT_INVALID',
    `${factory}({...}) options are invalid:\n${problems.join('\n')}`,
  );
}
