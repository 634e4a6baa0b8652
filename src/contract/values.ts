import type { Operation } from '../openapi/operations.ts';
import { isObject } from '../openapi/pointer.ts';

/**
 * Ids the run has seen, for requests that need a real resource when the spec has no `links`: the
 * `id` a `POST /v1/sessions` returned fills `{id}` in `/v1/sessions/{id}` and a body's `sessionId`.
 * A DELETE gets the last resource created, everything else the first, so what the other checks'
 * curl lines point at still exists after the run.
 */
export class ValuePool {
  readonly #byCollection = new Map<string, string[]>();
  readonly #byName = new Map<string, string>();

  /** Learns from a successful response (and its request body): created ids and `…Id` fields. */
  learn(op: Operation, requestBody: unknown, responseBody: unknown): void {
    const created = isObject(responseBody) ? scalar(responseBody.id) : undefined;
    if (op.method === 'POST' && created !== undefined && !op.path.endsWith('}')) {
      this.#byCollection.set(op.path, [...(this.#byCollection.get(op.path) ?? []), created]);
      const resource = singular(op.path.split('/').filter(Boolean).at(-1) ?? '');
      if (resource) this.#remember(`${resource}Id`, created);
    }
    for (const source of [requestBody, responseBody]) {
      if (!isObject(source)) continue;
      for (const [name, value] of Object.entries(source)) {
        const text = scalar(value);
        if (/[a-z]Id$/.test(name) && text !== undefined) this.#remember(name, text);
      }
    }
  }

  /** A value for a path parameter: the id created in the collection before it, or one seen by name. */
  pathValue(op: Operation, name: string): string | undefined {
    const index = op.path.indexOf(`{${name}}`);
    const collection = op.path.slice(0, index).replace(/\/$/, '');
    const created = this.#byCollection.get(collection);
    if (created) return op.method === 'DELETE' ? created.at(-1) : created[0];
    return name === 'id' ? undefined : this.#byName.get(name);
  }

  /** A value for a body field named like an id (`sessionId`). */
  fieldValue(name: string): string | undefined {
    return /[a-z]Id$/.test(name) ? this.#byName.get(name) : undefined;
  }

  #remember(name: string, value: string): void {
    if (!this.#byName.has(name)) this.#byName.set(name, value);
  }
}

/** Ids in bodies a POST creates a resource for (the collection's singular + `Id`). */
export function producedIdName(op: Operation): string | undefined {
  if (op.method !== 'POST' || op.path.endsWith('}')) return undefined;
  const resource = singular(op.path.split('/').filter(Boolean).at(-1) ?? '');
  return resource ? `${resource}Id` : undefined;
}

function singular(segment: string): string {
  if (segment.includes('{')) return '';
  if (segment.endsWith('ies')) return `${segment.slice(0, -3)}y`;
  if (segment.endsWith('sses') || segment.endsWith('xes')) return segment.slice(0, -2);
  return segment.endsWith('s') ? segment.slice(0, -1) : segment;
}

function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
