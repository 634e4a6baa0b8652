import { ShakedownError } from '../../../errors.ts';
import type { HttpExchange } from '../../../http/client.ts';
import type { ScenarioContext } from '../../define.ts';
import type { WebhookScheme } from '../../webhook-schemes/index.ts';
import { signedDeliveryCurl } from '../../webhook-schemes/repro.ts';
import { compactBody, defaultEvent, type WebhookEvent } from './bodies.ts';
import type { WebhookReplayOptions } from './options.ts';
import type { Probe } from './probe.ts';

/** One delivery as it goes on the wire; `undefined` header values are left out. */
export interface Delivery {
  /** What the delivery tests, for messages and evidence: `stale timestamp`. */
  label: string;
  event: WebhookEvent;
  body: Buffer;
  timestampSec: number;
  headers: Record<string, string | undefined>;
}

/** A refused delivery, kept for the check that no refusal echoes the expected signature. */
export interface Refusal {
  label: string;
  exchange: HttpExchange;
  /** The signature the receiver computes for what was sent: what must never be in its answer. */
  expected: string;
}

/** Everything a webhook check needs. */
export interface WebhookRun {
  ctx: ScenarioContext;
  options: WebhookReplayOptions;
  scheme: WebhookScheme;
  sender: Sender;
  probe?: Probe;
}

/** Plays the webhook provider: makes events, signs them with the receiver's secret, posts them. */
export class Sender {
  readonly refusals: Refusal[] = [];
  readonly #ctx: ScenarioContext;
  readonly #options: WebhookReplayOptions;
  readonly #scheme: WebhookScheme;
  readonly #secret: string;
  readonly #seen = new Set<string>();

  constructor(ctx: ScenarioContext, options: WebhookReplayOptions, scheme: WebhookScheme, secret: string) {
    this.#ctx = ctx;
    this.#options = options;
    this.#scheme = scheme;
    this.#secret = secret;
  }

  get secret(): string {
    return this.#secret;
  }

  /** A new event; every check uses its own so that de-duplication never hides a finding. */
  event(): WebhookEvent {
    const event = (this.#options.event ?? defaultEvent)();
    if (typeof event?.id !== 'string' || event.id === '' || typeof event.type !== 'string') {
      throw new ShakedownError(
        'SHK_SCRIPT_INVALID',
        `webhookReplayScenario: event() must return { id, type, data } with a non-empty string id; got ${JSON.stringify(event)?.slice(0, 200)}.`,
      );
    }
    if (this.#seen.has(event.id)) {
      throw new ShakedownError(
        'SHK_SCRIPT_INVALID',
        `webhookReplayScenario: event() returned the id ${event.id} twice; it must make a new id on every call.`,
      );
    }
    this.#seen.add(event.id);
    return event;
  }

  signature(event: WebhookEvent, body: Buffer, timestampSec: number, secret: string = this.#secret): string {
    return this.#scheme.signature({ secret, body, timestampSec, id: event.id });
  }

  /** A correctly signed delivery of `event` (compact JSON, signed now, unless told otherwise). */
  signed(
    label: string,
    event: WebhookEvent,
    options: { body?: Buffer; timestampSec?: number; signatures?: string[] } = {},
  ): Delivery {
    const body = options.body ?? compactBody(event);
    const timestampSec = options.timestampSec ?? nowSec();
    const signatures = options.signatures ?? [this.signature(event, body, timestampSec)];
    const headers = this.#scheme.headers({ id: event.id, timestampSec, signatures, eventType: event.type });
    return { label, event, body, timestampSec, headers };
  }

  /**
   * A delivery signed correctly with one signature by a named scheme can be re-sent with a fresh
   * signature by `shakedown webhook sign`; malformed, forged and multi-signature ones are shown as sent.
   */
  #reproducible(delivery: Delivery) {
    const scheme = this.#options.scheme;
    if (typeof scheme !== 'string') return null;
    const expected = this.#scheme.headers({
      id: delivery.event.id,
      timestampSec: delivery.timestampSec,
      signatures: [this.signature(delivery.event, delivery.body, delivery.timestampSec)],
      eventType: delivery.event.type,
    });
    const sameAsSigned = Object.entries(expected).every(([name, value]) => delivery.headers[name] === value);
    if (!sameAsSigned) return null;
    return {
      scheme,
      secretName: this.#options.secretName ?? 'WEBHOOK_SECRET',
      id: delivery.event.id,
      timestampSec: delivery.timestampSec,
      // A second or two is the clock ticking between signing and sending, not a deliberate offset.
      ageOffsetSec: Math.abs(delivery.timestampSec - nowSec()) <= 2 ? 0 : delivery.timestampSec - nowSec(),
      body: delivery.body,
    };
  }

  async post(delivery: Delivery): Promise<HttpExchange> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...this.#options.headers, ...delivery.headers })) {
      if (value !== undefined) headers[name] = value;
    }
    // Providers do not hold the target's API credentials: deliveries go out without them.
    const exchange = await this.#ctx.http.request({
      method: 'POST',
      path: this.#options.path,
      headers,
      body: delivery.body,
      auth: false,
    });
    const repro = this.#reproducible(delivery);
    if (repro)
      exchange.reproduce = (redactor) =>
        signedDeliveryCurl({ ...exchange.request, headers }, repro, redactor);
    if ((exchange.response?.status ?? 0) >= 400) {
      this.refusals.push({
        label: delivery.label,
        exchange,
        expected: this.signature(delivery.event, delivery.body, delivery.timestampSec),
      });
    }
    return exchange;
  }
}

export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}
