/** What must never appear in a response body: stack traces and secrets. */

const STACK_TRACE_PATTERNS: [RegExp, string][] = [
  [/^\s*at \S.*[:(]\d+:\d+\)?\s*$/m, 'a JavaScript stack frame'],
  [/(?:Error|Exception)(?::[^\n]*)?\n\s+at /, 'an error with its stack'],
  [/node_modules[\\/]/, 'a node_modules path'],
  [/Traceback \(most recent call last\)/, 'a Python traceback'],
  [/\bat [\w$.<>]+\([\w$]+\.(?:java|kt|scala):\d+\)/, 'a JVM stack frame'],
  [/^goroutine \d+ \[/m, 'a Go goroutine dump'],
];

/** What kind of stack trace `text` contains, or undefined. Bodies are usually JSON, so \n escapes count too. */
export function findStackTrace(text: string): string | undefined {
  const unescaped = text.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
  return STACK_TRACE_PATTERNS.find(([pattern]) => pattern.test(unescaped))?.[1];
}

const SECRET_PATTERNS: [RegExp, string][] = [
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"']+:[^\s/@"']+@/i, 'a URL with a password'],
  [/\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/, 'a JWT'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bwhsec_[A-Za-z0-9+/=]{8,}/, 'a webhook signing secret'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\b[sr]k_(?:live|test)_[0-9a-zA-Z]{10,}/, 'a Stripe secret key'],
];

/** `text` with every match of the secret patterns replaced, for evidence about a leak. */
export function maskSecretPatterns(text: string): string {
  return SECRET_PATTERNS.reduce(
    (masked, [pattern]) => masked.replace(new RegExp(pattern.source, `${pattern.flags}g`), '<redacted>'),
    text,
  );
}

/** Variable names whose values are secrets when Shakedown sees them in the target's environment. */
export const SENSITIVE_ENV_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|API_?KEY|CREDENTIAL/i;
/** Shorter values are not searched for: "abc" appears everywhere by chance. */
const MIN_KNOWN_SECRET_LENGTH = 6;

/**
 * Descriptions of the secrets found in `text` (the value of JWT_SECRET, a JWT, ...), never the values.
 * `known` maps names to values the run knows are secret.
 */
export function findSecrets(text: string, known: Readonly<Record<string, string>>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(known)) {
    if (value.length >= MIN_KNOWN_SECRET_LENGTH && text.includes(value)) found.push(`the value of ${name}`);
  }
  for (const [pattern, what] of SECRET_PATTERNS) if (pattern.test(text)) found.push(what);
  return found;
}

/** Config secrets plus the sensitive-looking variables the target was started with (local stack). */
export function knownSecrets(
  secrets: Readonly<Record<string, string>>,
  targetEnv: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const known: Record<string, string> = { ...secrets };
  for (const [name, value] of Object.entries(targetEnv ?? {})) {
    if (SENSITIVE_ENV_NAME.test(name)) known[name] ??= value;
  }
  return known;
}
