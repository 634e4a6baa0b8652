/** What a signature is computed over: the exact body bytes, plus what the scheme binds to them. */
export interface SignInput {
  secret: string;
  body: Buffer;
  timestampSec: number;
  /** The delivery/message id (Standard Webhooks signs it; GitHub sends it as X-GitHub-Delivery). */
  id: string;
}

/** How a delivery's signature headers look for a given set of signature values. */
export interface HeaderInput {
  id: string;
  timestampSec: number;
  /** Signature values as {@link WebhookScheme.signature} returns them, in the order to send. */
  signatures: readonly string[];
  /** The event type, for schemes that announce it in a header (X-GitHub-Event). */
  eventType: string;
}

/** A named header set the receiver must refuse with a 4xx; `undefined` removes a header. */
export interface HeaderVariant {
  name: string;
  headers: Record<string, string | undefined>;
}

/**
 * A webhook signing scheme, from the sender's side: Shakedown plays the provider, so it signs
 * deliveries and builds the broken ones a receiver must refuse.
 */
export interface WebhookScheme {
  readonly name: string;
  /** The timestamp is signed and checked (stale/fresh/future/other-timestamp checks apply). */
  readonly timestamped: boolean;
  /** One delivery may carry several signatures, as during a secret rotation. */
  readonly multipleSignatures: boolean;
  /**
   * The provider's official library accepts timestamps from the future, so a receiver that does
   * the same is following it: the future-timestamp check warns instead of failing.
   */
  readonly acceptsFutureTimestamps: boolean;
  /** One signature value, without any prefix or version label. */
  signature(input: SignInput): string;
  /** The signature (and id/timestamp) headers of a delivery. */
  headers(input: HeaderInput): Record<string, string>;
  /** Malformed signature headers around a valid delivery: missing, unparsable, wrong length, oversized. */
  malformed(valid: HeaderInput): HeaderVariant[];
  /** A secret of the same shape and a different value. */
  otherSecret(secret: string): string;
  /** Headers carrying the valid signature under a version the receiver must ignore (Stripe's `v0`). */
  downgraded?(valid: HeaderInput): Record<string, string>;
}

/** The size of the oversized-header variant: far past any sane signature, past Node's 16 KiB default. */
export const OVERSIZED_HEADER_BYTES = 64 * 1024;
