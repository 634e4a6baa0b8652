import type { CheckResult, CheckVerdict, SuiteSummary } from '../../run/model.ts';
import { type Html, html } from './html.ts';

interface Row {
  operation: string;
  operationId?: string;
  /** Status (or network error code) → how many responses had it. */
  seen: Map<string, number>;
  /** Statuses a failing check saw. */
  failing: Set<string>;
  documented: Set<string>;
  /** Why the operation was never exercised, when it was not. */
  reason?: string;
}

const SEEN_KEYS = ['statuses', 'seen', 'statusesSeen', 'observed'];
const DOCUMENTED_KEYS = ['documented', 'statusesDocumented', 'expected'];

/**
 * Operations × response statuses seen. Rows come from the contracts engine's `contract.coverage`
 * summary (operations with their status counts), else from its per-operation coverage checks, else
 * from any check that names an operation and recorded a response. A status a failing check saw is
 * marked ✗.
 */
export function coverageTable(suite: SuiteSummary): Html {
  const rows = fromSummaryCheck(suite.checks) ?? fromOperationChecks(suite.checks);
  if (rows.length === 0) return html``;
  markFailures(rows, suite.checks);
  const statuses = [...new Set(rows.flatMap((r) => [...r.seen.keys(), ...r.documented]))].sort(byStatus);
  const pairs = rows.reduce((n, r) => n + r.documented.size, 0);
  const seenPairs = rows.reduce((n, r) => n + [...r.documented].filter((s) => r.seen.has(s)).length, 0);
  const exercised = rows.filter((r) => r.seen.size > 0 && !r.reason).length;
  return html`<section class="coverage" aria-label="Contract coverage">
<h3>Contract coverage</h3>
<p>${exercised} of ${rows.length} operations exercised${pairs > 0 ? `; ${seenPairs} of ${pairs} documented statuses seen` : ''}.</p>
<div class="table-wrap"><table class="coverage-table">
<caption class="sr-only">Operations by response status: the number of responses seen, ✗ where a failing check saw it, ○ documented but not seen</caption>
<thead><tr><th scope="col">operation</th>${statuses.map((s) => html`<th scope="col">${s}</th>`)}</tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr><th scope="row"><code>${r.operation}</code>${r.operationId ? html` <span class="op-id">${r.operationId}</span>` : ''}${r.reason ? html`<br><span class="muted">${r.reason}</span>` : ''}</th>${statuses.map((s) => cell(r, s))}</tr>`,
  )}</tbody>
</table></div>
</section>`;
}

function cell(row: Row, status: string): Html {
  const count = row.seen.get(status);
  if (count !== undefined) {
    const verdict: CheckVerdict = row.failing.has(status) ? 'fail' : 'pass';
    const mark = verdict === 'fail' ? '✗ ' : '';
    return html`<td class="cov ${verdict}" title="${status} seen ${count}×${verdict === 'fail' ? ', with a failing check' : ''}">${mark}${count}<span class="sr-only"> seen${verdict === 'fail' ? ', failing' : ''}</span></td>`;
  }
  if (row.documented.has(status)) {
    return html`<td class="cov missing" title="${status} documented, not seen">○<span class="sr-only"> documented, not seen</span></td>`;
  }
  return html`<td></td>`;
}

/** The `contract.coverage` summary: `evidence.operations`, a list or a map of operations. */
function fromSummaryCheck(checks: readonly CheckResult[]): Row[] | null {
  for (const check of checks) {
    if (!/(^|\.)coverage$/.test(check.id)) continue;
    const operations = check.evidence?.operations;
    const entries = Array.isArray(operations)
      ? operations
      : operations && typeof operations === 'object'
        ? Object.values(operations)
        : [];
    const valid = entries.filter(isOperationEntry);
    if (valid.length === 0) continue;
    return valid.map((entry) => ({
      operation: `${String(entry.method).toUpperCase()} ${entry.path}`,
      operationId: typeof entry.operationId === 'string' ? entry.operationId : undefined,
      seen: counts(entry, SEEN_KEYS),
      failing: new Set(),
      documented: new Set(counts(entry, DOCUMENTED_KEYS).keys()),
      reason: entry.exercised === false && typeof entry.reason === 'string' ? entry.reason : undefined,
    }));
  }
  return null;
}

/** Per-operation checks: a coverage check's status counts, or the responses other checks recorded. */
function fromOperationChecks(checks: readonly CheckResult[]): Row[] {
  const rows = new Map<string, Row>();
  for (const check of checks) {
    const op = operationOf(check);
    if (!op) continue;
    const key = `${op.method.toUpperCase()} ${op.path}`;
    const row: Row = rows.get(key) ?? {
      operation: key,
      operationId: op.operationId,
      seen: new Map(),
      failing: new Set(),
      documented: new Set(),
    };
    rows.set(key, row);
    const statuses = check.evidence?.statuses;
    if (/(^|\.)coverage$/.test(check.id) && statuses && typeof statuses === 'object') {
      for (const [status, n] of counts({ statuses }, ['statuses'])) row.seen.set(status, n);
      continue;
    }
    const status = check.evidence?.response?.status;
    if (typeof status === 'number' && !row.seen.has(String(status))) row.seen.set(String(status), 1);
  }
  return [...rows.values()];
}

function markFailures(rows: Row[], checks: readonly CheckResult[]): void {
  const byOperation = new Map(rows.map((r) => [r.operation, r]));
  for (const check of checks) {
    const op = operationOf(check);
    const status = check.evidence?.response?.status;
    if (check.verdict !== 'fail' || !op || typeof status !== 'number') continue;
    const row = byOperation.get(`${op.method.toUpperCase()} ${op.path}`);
    if (!row) continue;
    row.failing.add(String(status));
    if (!row.seen.has(String(status))) row.seen.set(String(status), 1);
  }
}

function operationOf(check: CheckResult): { method: string; path: string; operationId?: string } | null {
  const op = check.evidence?.operation as Record<string, unknown> | undefined;
  if (!op || typeof op.method !== 'string' || typeof op.path !== 'string') return null;
  return {
    method: op.method,
    path: op.path,
    operationId: typeof op.operationId === 'string' ? op.operationId : undefined,
  };
}

function isOperationEntry(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.method === 'string' && typeof v.path === 'string';
}

/** Statuses as counts (`{ "200": 3 }`) or a list (`[200, 404]`, each counted once). */
function counts(entry: Record<string, unknown>, keys: readonly string[]): Map<string, number> {
  for (const key of keys) {
    const value = entry[key];
    if (Array.isArray(value)) return new Map(value.map((s) => [String(s), 1]));
    if (value && typeof value === 'object') {
      return new Map(Object.entries(value).map(([s, n]) => [s, typeof n === 'number' ? n : 1]));
    }
  }
  return new Map();
}

/** HTTP statuses in numeric order, network error codes after them. */
function byStatus(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  if (Number.isFinite(na)) return -1;
  if (Number.isFinite(nb)) return 1;
  return a.localeCompare(b);
}
