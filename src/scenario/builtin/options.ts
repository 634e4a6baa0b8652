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
    return `  - ${at}: ${describeIssue(issue)}${gotValue(value, issue.path)}`;
  });
  throw new ShakedownError(
    'SHK_SCRIPT_INVALID',
    `${factory}({...}) options are invalid:\n${problems.join('\n')}`,
  );
}

/**
 * zod says `Invalid input` for a union none of whose members matched (a scheme name or a scheme
 * object): the member that explains itself (`expected one of 'stripe' | ...`) is used instead, and an
 * enum lists its values.
 */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union') {
    const explained = issue.errors
      .flat()
      .find((inner) => inner.path.length === 0 && inner.message.startsWith('expected one of'));
    if (explained) return explained.message;
  }
  if (issue.code === 'invalid_value' && !issue.message.startsWith('expected')) {
    return `expected one of ${issue.values.map((v) => `'${String(v)}'`).join(' | ')}`;
  }
  return issue.message;
}

function gotValue(input: unknown, at: readonly PropertyKey[]): string {
  let current = input;
  for (const part of at) {
    if (current === null || typeof current !== 'object') return '';
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  if (typeof current === 'string') return `, got '${current}'`;
  if (typeof current === 'number' || typeof current === 'boolean') return `, got ${current}`;
  return '';
}
