import type { ApiSpec } from '../openapi/load.ts';
import { type Operation, pathParameterNames } from '../openapi/operations.ts';
import { preferredMediaType } from './generate.ts';
import { linkTarget } from './links.ts';
import { objectShape } from './shape.ts';
import { producedIdName } from './values.ts';

/**
 * Orders operations so that resources exist before they are used: an operation runs after those it
 * takes ids from (its `links` sources, the POST to its collection, producers of `…Id` body fields),
 * and every DELETE runs last. Operations in one phase are independent and may run concurrently.
 */
export function planPhases(spec: ApiSpec): Operation[][] {
  const deps = new Map<Operation, Set<Operation>>();
  for (const op of spec.operations) deps.set(op, dependenciesOf(spec, op));
  const levels = new Map<Operation, number>();
  const level = (op: Operation, visiting: Set<Operation>): number => {
    const known = levels.get(op);
    if (known !== undefined) return known;
    if (visiting.has(op)) return 0;
    visiting.add(op);
    let value = 0;
    for (const dep of deps.get(op) ?? [])
      if (dep.method !== 'DELETE') value = Math.max(value, level(dep, visiting) + 1);
    visiting.delete(op);
    levels.set(op, value);
    return value;
  };
  const nonDelete = spec.operations.filter((op) => op.method !== 'DELETE');
  const phases: Operation[][] = [];
  for (const op of nonDelete) {
    const index = level(op, new Set());
    phases[index] = [...(phases[index] ?? []), op];
  }
  const deletes = spec.operations.filter((op) => op.method === 'DELETE');
  const compact = phases.filter((phase) => phase?.length);
  return deletes.length ? [...compact, deletes] : compact;
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
