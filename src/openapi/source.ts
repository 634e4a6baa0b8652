import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ShakedownError } from '../errors.ts';

const FETCH_TIMEOUT_MS = 15_000;
const MAX_SPEC_BYTES = 20 * 1024 * 1024;

/** Where a spec reference (`--spec`, `target.openapi`, `contracts.spec`, `SHAKEDOWN_OPENAPI`) points. */
export type SpecSource =
  | { kind: 'file'; file: string }
  | {
      kind: 'url';
      url: string /** true when it was a path on the target, e.g. `/openapi.json` */;
      onTarget: boolean;
    };

export function isHttpUrl(ref: string): boolean {
  return /^https?:\/\//i.test(ref);
}

/**
 * `http(s)://…` is a URL; a path starting with `/` that is not a file on disk is a path on the target
 * (FastAPI's `/openapi.json`, NestJS's `/api-json`); anything else is a file relative to `rootDir`.
 */
export function classifySpecRef(ref: string, rootDir: string, baseUrl: string | undefined): SpecSource {
  if (isHttpUrl(ref)) return { kind: 'url', url: ref, onTarget: false };
  if (ref.startsWith('/') && !existsSync(ref)) {
    if (!baseUrl) {
      throw new ShakedownError(
        'SHK_SPEC_INVALID',
        `${ref}: the OpenAPI document is not a file, and there is no target to fetch it from. Pass --target <url> to fetch ${ref} from the running service, or give the spec's file path.`,
      );
    }
    return { kind: 'url', url: `${baseUrl.replace(/\/+$/, '')}${ref}`, onTarget: true };
  }
  return { kind: 'file', file: path.resolve(rootDir, ref) };
}

/**
 * Turns a spec reference into a local file: files are returned as they are; URLs are fetched once
 * and written into `saveDir` (the run directory, so the run keeps the spec it used).
 */
export async function resolveSpecFile(
  ref: string,
  options: { rootDir: string; baseUrl?: string; saveDir: string; signal?: AbortSignal },
): Promise<{ file: string; url?: string }> {
  const source = classifySpecRef(ref, options.rootDir, options.baseUrl);
  if (source.kind === 'file') return { file: source.file };
  const text = await fetchSpecText(source.url, options.signal);
  const file = path.join(options.saveDir, `openapi.${looksLikeJson(text) ? 'json' : 'yaml'}`);
  mkdirSync(options.saveDir, { recursive: true });
  writeFileSync(file, text);
  return { file, url: source.url };
}

async function fetchSpecText(url: string, signal?: AbortSignal): Promise<string> {
  const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json, application/yaml, text/yaml, */*;q=0.5' },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'follow',
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = timeout.aborted
      ? `no answer within ${FETCH_TIMEOUT_MS / 1000} s`
      : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new ShakedownError(
      'SHK_TARGET_UNREACHABLE',
      `cannot fetch the OpenAPI document from ${url}: ${reason}. Check that the service is running, or pass --spec <file>.`,
      { cause: error },
    );
  }
  if (!response.ok) {
    throw new ShakedownError(
      'SHK_SPEC_INVALID',
      `${url}: fetching the OpenAPI document answered HTTP ${response.status}, not 200. Pass the path the service serves its spec on (e.g. --spec /openapi.json), or a file (--spec ./openapi.yaml).`,
    );
  }
  const text = await response.text();
  if (text.length > MAX_SPEC_BYTES) {
    throw new ShakedownError('SHK_SPEC_INVALID', `${url}: the OpenAPI document is larger than 20 MB.`);
  }
  if (text.trim() === '') {
    throw new ShakedownError('SHK_SPEC_INVALID', `${url}: the OpenAPI document is empty.`);
  }
  return text;
}

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}
