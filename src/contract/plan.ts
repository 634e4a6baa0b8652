import type { ApiSpec } from '../openapi/load.ts';
import { type Operation, pathParameterNames } from '../openapi/operations.ts';
import { preferredMediaType } from './generate.ts';
import { linkTarget } from './links.ts';
import { objectShape } from './shape.ts';
import { producedIdName } from './values.ts';

/**
 * Orders operations so that resources exist before they are used, and so that the same spec, seed
 * and target give the same verdicts every run: an operation runs after those it takes ids from (its
 * `links` sources, the POST to its collection, producers of `…Id` body fields). Reads run first,
 * phase by phase, concurrently within a phase. Then every operation that changes an existing
 * resource (PUT, PATCH, a POST under a path parameter such as `POST /things/{id}/close`), and
 * whatever depends on one, runs alone, in dependency then spec order: run concurrently with a read
 * of the same resource, whichever won would decide the read's verdict. Every DELETE runs last, one
 * at a time, deepest path first.
 */
export function planPhases(spec: ApiSpec): Operation[][] {
  const deps = new Map<Operation, Set<Operation>>();
  for (const op of spec.operations) deps.set(op, dependenciesOf(spec, op));
  const levels = new Map<Operation, number>();
  const changes = new Map<Operation, boolean>();
  const walk = (op: Operation, visiting: Set<Operation>): void => {
    if (levels.has(op) || visiting.has(op)) return;
    visiting.add(op);
    let value = 0;
    let changed = changesState(op);
    for (const dep of deps.get(op) ?? []) {
      if (dep.method === 'DELETE' || visiting.has(dep)) continue;
      walk(dep, visiting);
      value = Math.max(value, (levels.get(dep) ?? 0) + 1);
      changed ||= changes.get(dep) ?? false;
    }
    visiting.delete(op);
    levels.set(op, value);
    changes.set(op, changed);
  };
  const nonDelete = spec.operations.filter((op) => op.method !== 'DELETE');
  for (const op of nonDelete) walk(op, new Set());
  const reads: Operation[][] = [];
  for (const op of nonDelete.filter((o) => !changes.get(o))) {
    const index = levels.get(op) ?? 0;
    reads[index] = [...(reads[index] ?? []), op];
  }
  const writes = nonDelete
    .filter((o) => changes.get(o))
    .sort((a, b) => (levels.get(a) ?? 0) - (levels.get(b) ?? 0))
    .map((op) => [op]);
  const deletes = spec.operations
    .filter((op) => op.method === 'DELETE')
    .sort((a, b) => depth(b) - depth(a))
    .map((op) => [op]);
  return [...reads.filter((phase) => phase?.length), ...writes, ...deletes];
}

/** PUT, PATCH, or a POST acting on an existing resource (a path parameter in its path). */
function changesState(op: Operation): boolean {
  if (op.method === 'PUT' || op.method === 'PATCH') return true;
  return op.method === 'POST' && pathParameterNames(op.path).length > 0;
}

function depth(op: Operation): number {
  return op.path.split('/').length;
}

function dependenciesOf(spec: ApiSpec, op: Operation): Set<Operation> {
  const deps = new Set<Operation>();
  for (const source of spec.operations) {
    if (source === op) continue;
    const links = source.responses.flatMap((r) => r.links);
    if (links.some((link) => linkTarget(spec.operations, link) === op)) deps.add(source);
  }
  for (const name of pathParameterNames(op.path)) {
    const collection = op.path.slice(0, op.path.indexOf(`{${name}}`)).replace(/\/$/, '');
    for (const source of spec.operations)
      if (source.method === 'POST' && source.path === collection) deps.add(source);
  }
  const media = preferredMediaType(op.requestBody?.content ?? []);
  if (media?.schemaPointer) {
    const fields = Object.keys(
      objectShape(spec, spec.validator.schemaAt('request', media.schemaPointer)).properties,
    );
    for (const source of spec.operations) {
      const produced = producedIdName(source);
      if (source !== op && produced && fields.includes(produced)) deps.add(source);
    }
  }
  return deps;
}
