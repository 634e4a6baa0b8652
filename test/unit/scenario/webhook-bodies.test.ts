import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../../../src/errors.ts';
import {
  compactBody,
  defaultEvent,
  nonCanonicalBody,
  tamperedBody,
} from '../../../src/scenario/builtin/webhook-replay/bodies.ts';
import { webhookReplayScenario } from '../../../src/scenario/builtin/webhook-replay.ts';

describe('webhook bodies', () => {
  const event = defaultEvent();

  it('makes a new id on every call', () => {
    expect(defaultEvent().id).not.toBe(defaultEvent().id);
  });

  it('non-canonical JSON is the same event in bytes no serializer produces', () => {
    const raw = nonCanonicalBody(event).toString('utf8');
    expect(JSON.parse(raw)).toEqual(event);
    expect(raw).toContain('\\u00e9');
    expect(raw).toContain('\n  "');
    expect(raw.endsWith('}\n')).toBe(true);
    // Keys reversed: `data` comes before `id`.
    expect(raw.indexOf('"data"')).toBeLessThan(raw.indexOf('"id"'));
    // Whatever a receiver re-serialises the parsed body to, it is not these bytes.
    expect(raw).not.toBe(JSON.stringify(JSON.parse(raw)));
    expect(raw).not.toBe(JSON.stringify(JSON.parse(raw), null, 2));
  });

  it('escapes characters outside the BMP as surrogate pairs that still parse', () => {
    const raw = nonCanonicalBody({ ...event, data: { note: 'ok 😀 a/b' } }).toString('utf8');
    expect(raw).toContain('\\ud83d\\ude00');
    expect(raw).toContain('a\\u002fb');
    expect(JSON.parse(raw).data.note).toBe('ok 😀 a/b');
  });

  it('tampering flips exactly one byte and keeps the JSON valid', () => {
    const body = compactBody(event);
    const tampered = tamperedBody(body, event);
    const differing = [...body].filter((byte, i) => tampered[i] !== byte).length;
    expect(differing).toBe(1);
    expect(tampered.length).toBe(body.length);
    expect(() => JSON.parse(tampered.toString('utf8'))).not.toThrow();
  });
});

describe('webhookReplayScenario options', () => {
  it.each([
    ['an unknown scheme', { path: '/hook', scheme: 'paypal' }, 'scheme'],
    ['a path without a slash', { path: 'hook', scheme: 'stripe' }, 'path'],
    [
      'both secret and secretName',
      { path: '/hook', scheme: 'stripe', secret: 'whsec_x', secretName: 'X' },
      'secret',
    ],
    ['a probe path without {id}', { path: '/hook', scheme: 'stripe', probe: { path: '/events' } }, '{id}'],
    ['a negative tolerance', { path: '/hook', scheme: 'github', toleranceSec: -1 }, 'toleranceSec'],
  ])('rejects %s (exit 2)', (_name, options, fragment) => {
    let error: unknown;
    try {
      webhookReplayScenario(options as Parameters<typeof webhookReplayScenario>[0]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ShakedownError);
    expect((error as ShakedownError).exitCode).toBe(2);
    expect((error as ShakedownError).message).toContain(fragment);
  });

  it('accepts a named scheme, a probe, and an event factory', () => {
    const scenario = webhookReplayScenario({
      path: '/v1/webhooks/payments',
      scheme: 'stripe',
      probe: { path: '/v1/webhooks/events/{id}', count: (body) => (body as { applied: number }).applied },
      event: defaultEvent,
    });
    expect(scenario.name).toBe('webhook-replay');
    expect(typeof scenario.run).toBe('function');
  });
});
