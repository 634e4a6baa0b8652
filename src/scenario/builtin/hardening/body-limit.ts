import type { HttpExchange } from '../../../http/client.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';
import { type Attempt, describeAttempt, rawRequest } from '../graceful-shutdown/raw-http.ts';
import { findStackTrace } from './leaks.ts';
import type { HardeningSettings } from './options.ts';

type BodyLimit = NonNullable<HardeningSettings['bodyLimit']>;

const PREFIX = '{"padding":"';
const SUFFIX = '"}';
const CHUNK_BYTES = 16 * 1024;

/**
 * A JSON document of exactly `bytes` UTF-8 bytes, made mostly of two-byte characters: a limit that
 * counts characters instead of bytes lets through a body twice its size.
 */
export function jsonBodyOfBytes(bytes: number): string {
  const room = bytes - PREFIX.length - SUFFIX.length;
  if (room < 0) throw new RangeError(`a JSON body needs at least ${PREFIX.length + SUFFIX.length} bytes`);
  return `${PREFIX}${'é'.repeat(Math.floor(room / 2))}${'a'.repeat(room % 2)}${SUFFIX}`;
}

export const bodyLimitCheck = defineCheck(import.meta.url, {
  id: 'body-limit.enforced',
  title: 'Oversized bodies are refused with 413, by bytes, chunked too',
  verifies:
    'A body one byte over the limit (hardeningScenario bodyLimit) is refused with 413 and no stack trace, also when sent chunked without Content-Length; one byte under is not refused; readiness answers 200 afterwards.',
  failsWhen:
    'An oversized body is read instead of refused, a chunked one slips past a Content-Length check, the limit counts characters instead of bytes, the refusal shows a stack trace or a 5xx, or the service is unready afterwards.',
  fix: 'Limit request bodies by bytes in the body parser or the proxy in front (express.json({ limit }), Fastify bodyLimit, nginx client_max_body_size…), enforced while reading the stream, and answer 413.',
  severity: 'blocking',
  proof: { faults: ['body-limit-off'] },
});

/**
 * Limit + 1 bytes → 413 without a stack trace, limit − 1 → accepted (any
 * status but 413 and 5xx: validation may still reject the padding), the oversized body chunked → 413,
 * and readiness still 200 afterwards. Fresh source addresses keep rate limiters out of the way.
 */
export async function checkBodyLimit(
  ctx: ScenarioContext,
  c: CheckContext,
  limit: BodyLimit | undefined,
  readyPath: string,
): Promise<CheckOutcome> {
  if (!limit) return c.skip('no body limit configured: hardeningScenario({ bodyLimit: { path, bytes } })');
  const over = jsonBodyOfBytes(limit.bytes + 1);
  const send = (body: string) =>
    ctx.http.request({
      method: limit.method,
      path: limit.path,
      body,
      headers: { 'content-type': limit.contentType },
      auth: limit.auth,
      localAddress: ctx.addresses.next(),
    });
  const tooLarge = await send(over);
  const justUnder = await send(jsonBodyOfBytes(limit.bytes - 1));
  const chunked = await sendChunked(ctx, limit, Buffer.from(over));
  const ready = await ctx.http.request({ path: readyPath, auth: false });

  const problems = [
    ...oversizedProblems(
      `${limit.bytes + 1} bytes (${[...over].length} characters)`,
      tooLarge.response?.status,
      tooLarge.response?.text(),
      tooLarge,
    ),
    ...acceptedProblems(limit.bytes - 1, justUnder),
    ...oversizedProblems(`${limit.bytes + 1} bytes sent chunked`, chunked.status, chunked.body, chunked),
    ...(ready.response?.status === 200
      ? []
      : [`${readyPath} answered ${ready.response?.status ?? ready.error?.code} afterwards`]),
  ];
  const evidence = c.evidence(tooLarge, {
    justUnder: { status: justUnder.response?.status ?? justUnder.error?.code },
    chunked: describeAttempt(chunked),
    readyAfter: ready.response?.status ?? ready.error?.code,
    ...(problems.length > 0 ? { errors: problems } : {}),
  });
  if (problems.length > 0) return c.fail(problems.join('; '), evidence);
  return c.pass(
    `${limit.method} ${limit.path}: ${limit.bytes + 1} bytes (multibyte) → 413, chunked → 413, ${limit.bytes - 1} bytes → ${justUnder.response?.status}; ${readyPath} still 200`,
    evidence,
  );
}

function oversizedProblems(
  what: string,
  status: number | undefined,
  body: string | undefined,
  sent: HttpExchange | Attempt,
): string[] {
  if (status === undefined) {
    const code = 'outcome' in sent ? sent.code : sent.error?.code;
    return [`${what}: no response (${code})`];
  }
  if (status !== 413) return [`${what} → ${status}, expected 413`];
  const trace = findStackTrace(body ?? '');
  return trace ? [`${what} → 413 whose body contains ${trace}`] : [];
}

function acceptedProblems(bytes: number, exchange: HttpExchange): string[] {
  const status = exchange.response?.status;
  if (status === undefined) return [`${bytes} bytes: no response (${exchange.error?.code})`];
  if (status === 413) return [`${bytes} bytes → 413: the limit is lower than configured`];
  if (status >= 500) return [`${bytes} bytes → ${status}`];
  return [];
}

async function sendChunked(ctx: ScenarioContext, limit: BodyLimit, body: Buffer): Promise<Attempt> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at += CHUNK_BYTES) chunks.push(body.subarray(at, at + CHUNK_BYTES));
  return rawRequest({
    url: ctx.http.url(limit.path),
    method: limit.method,
    headers: { 'content-type': limit.contentType, ...(limit.auth ? await ctx.target.auth.headers() : {}) },
    chunks,
    timeoutMs: 10_000,
    localAddress: ctx.addresses.next(),
  });
}
