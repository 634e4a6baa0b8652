import { describe, expect, it } from 'vitest';
import { toCurl } from '../../../src/http/curl.ts';
import { REDACTED, Redactor } from '../../../src/run/redact.ts';

const secret = 'whsec_abcdefghijklmnop';

describe('Redactor', () => {
  it('replaces sensitive header and field names whatever their case', () => {
    const r = new Redactor();
    r.addName('X-Tenant-Key');
    expect(
      r.value({
        headers: {
          Authorization: 'Bearer x',
          cookie: 'a=b',
          'Set-Cookie': 's',
          'x-tenant-key': 'k',
          accept: '*/*',
        },
      }),
    ).toEqual({
      headers: {
        Authorization: REDACTED,
        cookie: REDACTED,
        'Set-Cookie': REDACTED,
        'x-tenant-key': REDACTED,
        accept: '*/*',
      },
    });
  });

  it('replaces secret values inside longer strings, encoded forms included', () => {
    const r = new Redactor({ values: [secret] });
    expect(r.text(`key=${secret}; next`)).toBe(`key=${REDACTED}; next`);
    expect(r.text(Buffer.from(secret).toString('base64'))).toBe(REDACTED);
    expect(r.text(`q=${encodeURIComponent(`${secret}/+`)}`)).not.toContain(secret);
  });

  it('learns tokens minted during the run', () => {
    const r = new Redactor();
    expect(r.text('token abc123456789')).toContain('abc123456789');
    r.addSecret('abc123456789');
    expect(r.text('token abc123456789')).toBe(`token ${REDACTED}`);
  });

  it('ignores values too short to search for', () => {
    const r = new Redactor({ values: ['ab'] });
    expect(r.text('about')).toBe('about');
  });

  it('walks arrays and nested objects without mutating the input', () => {
    const r = new Redactor({ values: [secret] });
    const input = { list: [{ body: secret }], n: 3, nil: null };
    expect(r.value(input)).toEqual({ list: [{ body: REDACTED }], n: 3, nil: null });
    expect(input.list[0].body).toBe(secret);
  });
});

describe('toCurl', () => {
  it('uses variables for credentials and quotes everything else', () => {
    const r = new Redactor({ values: [secret] });
    const line = toCurl(
      {
        method: 'POST',
        url: "http://127.0.0.1:3000/v1/it's",
        headers: {
          authorization: 'Bearer real-token-value',
          'stripe-signature': 't=1,v1=ff',
          'content-type': 'application/json',
        },
        body: `{"secret":"${secret}"}`,
        localAddress: '127.0.0.2',
      },
      r,
    );
    expect(line).toBe(
      `curl -sS -i -X POST 'http://127.0.0.1:3000/v1/it'\\''s' --interface 127.0.0.2 -H "authorization: Bearer $SHAKEDOWN_TOKEN" -H "stripe-signature: $SHAKEDOWN_STRIPE_SIGNATURE" -H 'content-type: application/json' --data-binary '{"secret":"<redacted>"}'`,
    );
  });

  it('omits -X for a plain GET', () => {
    expect(toCurl({ method: 'GET', url: 'http://127.0.0.1/x' }, new Redactor())).toBe(
      `curl -sS -i 'http://127.0.0.1/x'`,
    );
  });
});
