import type { AuthConfig, ResolvedConfig } from '../config/schema.ts';
import type { Operation, SecurityScheme } from '../openapi/operations.ts';

/** What an operation requires, and whether the config (not the spec) declared it. */
export interface AuthRequirement {
  security: SecurityScheme[][];
  /** True when the spec declares no security and `contracts.auth` says the operation needs it. */
  fromConfig: boolean;
  /** The `contracts.auth.except` glob that made the operation public. */
  exceptedBy?: string;
}

/**
 * The security an operation must enforce: the spec's own requirement when it has one; otherwise,
 * when `contracts.auth.required` is set and no `except` glob matches the operation, one credential
 * in the shape of `target.auth` (many services check a header in code and declare no
 * `securitySchemes`). The 401/403 such an operation answers without credentials is then expected.
 */
export function authRequirement(op: Operation, config: ResolvedConfig): AuthRequirement {
  const declared = config.contracts.auth;
  if (op.security.length > 0 || !declared?.required) return { security: op.security, fromConfig: false };
  const key = `${op.method} ${op.path}`;
  const exceptedBy = (declared.except ?? []).find((glob) => routeGlob(glob).test(key));
  if (exceptedBy !== undefined) return { security: [], fromConfig: false, exceptedBy };
  return { security: [[configScheme(config.target.auth)]], fromConfig: true };
}

function configScheme(auth: AuthConfig | undefined): SecurityScheme {
  const name = 'contracts.auth';
  if (auth?.type === 'header') return { name, type: 'apiKey', in: 'header', paramName: auth.name };
  return { name, type: 'http', scheme: 'bearer' };
}

/**
 * `GET /health*` or `/public/*`: an optional method (or `*`), then a glob over the spec's path
 * template in which `*` matches any characters, `/` included.
 */
export function routeGlob(glob: string): RegExp {
  const [first, ...rest] = glob.trim().split(/\s+/);
  const hasMethod = rest.length > 0;
  const method = hasMethod ? first.toUpperCase() : '*';
  const path = hasMethod ? rest.join(' ') : first;
  const part = (text: string) =>
    text
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
  return new RegExp(`^${method === '*' ? '[A-Z]+' : part(method)} ${part(path)}$`);
}
