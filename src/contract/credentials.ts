import type { HttpRequestOptions } from '../http/client.ts';
import type { SecurityScheme } from '../openapi/operations.ts';
import type { SeededRandom } from './random.ts';

/** Credentials that look right and are not: a JWT-shaped token with a bad signature, a made-up key. */
export function garbageCredentials(scheme: SecurityScheme, rng: SeededRandom) {
  const token = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzaGFrZWRvd24tZ2FyYmFnZSJ9.${rng.hex(43)}`;
  if (scheme.type === 'apiKey' && scheme.paramName) {
    return {
      in: (scheme.in ?? 'header') as 'header' | 'query' | 'cookie',
      name: scheme.paramName,
      value: `shakedown-garbage-${rng.hex(16)}`,
    };
  }
  if (scheme.type === 'http' && scheme.scheme === 'basic') {
    return {
      in: 'header' as const,
      name: 'authorization',
      value: `Basic ${Buffer.from('shakedown:garbage').toString('base64')}`,
    };
  }
  return { in: 'header' as const, name: 'authorization', value: `Bearer ${token}` };
}

/** Removes whatever the schemes of a requirement would carry (the target's auth, and headers hooks set). */
export function stripCredentials(
  options: HttpRequestOptions,
  schemes: readonly SecurityScheme[],
): HttpRequestOptions {
  const names = new Set(['authorization']);
  for (const scheme of schemes)
    if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.paramName)
      names.add(scheme.paramName.toLowerCase());
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? {}).filter(([k]) => !names.has(k.toLowerCase())),
  );
  let path = options.path;
  for (const scheme of schemes) {
    if (scheme.type !== 'apiKey' || scheme.in !== 'query' || !scheme.paramName) continue;
    const url = new URL(path, 'http://placeholder');
    url.searchParams.delete(scheme.paramName);
    path = `${url.pathname}${url.search}`;
  }
  return { ...options, headers, path, auth: false };
}

/** Adds one garbage credential to a request stripped of real ones. */
export function withCredential(
  options: HttpRequestOptions,
  credential: ReturnType<typeof garbageCredentials>,
): HttpRequestOptions {
  if (credential.in === 'header')
    return { ...options, headers: { ...options.headers, [credential.name]: credential.value } };
  if (credential.in === 'cookie') {
    const cookie = [options.headers?.cookie, `${credential.name}=${credential.value}`]
      .filter(Boolean)
      .join('; ');
    return { ...options, headers: { ...options.headers, cookie } };
  }
  const url = new URL(options.path, 'http://placeholder');
  url.searchParams.set(credential.name, credential.value);
  return { ...options, path: `${url.pathname}${url.search}` };
}
