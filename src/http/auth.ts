import type { AuthConfig } from '../config/schema.ts';
import type { Redactor } from '../run/redact.ts';

/** Supplies credentials for requests; tokens it hands out are registered for redaction first. */
export interface AuthProvider {
  headers(): Promise<Record<string, string>>;
  /** Forgets a cached token so the next call mints a new one (after a 401). */
  refresh(): void;
}

export const noAuth: AuthProvider = {
  headers: async () => ({}),
  refresh: () => {},
};

export function createAuth(config: AuthConfig | undefined, redactor: Redactor): AuthProvider {
  if (!config) return noAuth;
  const provider = config.type === 'bearer' ? config.token : config.value;
  const headerName = config.type === 'bearer' ? 'authorization' : config.name;
  redactor.addName(headerName);
  let cached: Promise<string> | null = null;
  const value = () => {
    cached ??= Promise.resolve(typeof provider === 'function' ? provider() : provider).then((v) => {
      redactor.addSecret(v);
      return v;
    });
    return cached;
  };
  return {
    async headers() {
      const v = await value();
      return { [headerName]: config.type === 'bearer' ? `Bearer ${v}` : v };
    },
    refresh() {
      if (typeof provider === 'function') cached = null;
    },
  };
}
