import { type Check, checkAnchor, findCheck } from '../../run/checks.ts';
import type {
  CheckResult,
  CheckVerdict,
  Evidence,
  RecordedRequest,
  RecordedResponse,
} from '../../run/model.ts';
import { type Html, html } from './html.ts';

export const VERDICT_ORDER: readonly CheckVerdict[] = ['fail', 'warn', 'pass', 'skip'];
const SHOWN_JSON_CHARS = 32 * 1024;
const KNOWN_KEYS = new Set(['request', 'response', 'curl', 'timings', 'errors', 'threshold', 'operation']);

export interface RenderedCheck {
  check: CheckResult;
  /** The element id (`check-12`), for links from the baseline panel. */
  elementId: string;
}

/** Checks of one suite grouped by id, the groups with failures first, each check expandable. */
export function checkGroups(checks: readonly RenderedCheck[]): Html {
  if (checks.length === 0) return html`<p class="empty">This suite recorded no checks.</p>`;
  const groups = new Map<string, RenderedCheck[]>();
  for (const c of checks) groups.set(c.check.id, [...(groups.get(c.check.id) ?? []), c]);
  const rank = (c: RenderedCheck) => VERDICT_ORDER.indexOf(c.check.verdict);
  const ordered = [...groups.values()]
    .map((items) => items.sort((a, b) => rank(a) - rank(b)))
    .sort((a, b) => worst(a) - worst(b));
  return html`<div class="groups">${ordered.map(group)}<p class="no-match" hidden>No check in this suite matches the filter.</p></div>`;
}

function worst(group: readonly RenderedCheck[]): number {
  return Math.min(...group.map((c) => VERDICT_ORDER.indexOf(c.check.verdict)));
}

function group(items: RenderedCheck[]): Html {
  const id = items[0].check.id;
  const counts = VERDICT_ORDER.filter((v) => items.some((c) => c.check.verdict === v)).map(
    (v) => html`<span class="badge ${v}">${items.filter((c) => c.check.verdict === v).length} ${v}</span>`,
  );
  const about = findCheck(id);
  return html`<section class="group" data-group="${id}">
<h4><code>${id}</code> ${counts}</h4>
${about ? aboutCheck(about) : ''}<ul class="checks">${items.map(item)}</ul>
</section>`;
}

/**
 * What a built-in check verifies and how to fix what fails it, from its declaration, and where its
 * entry is in the reference. A user's own check (not in the registry) gets nothing here.
 */
function aboutCheck(check: Check): Html {
  return html`<div class="about">
<p><span class="label">Verifies</span> ${check.verifies}</p>
<p><span class="label">Fix</span> ${check.fix}</p>
<p class="ref">Reference: <code>docs/checks.md#${checkAnchor(check.id)}</code> in the shakedown package</p>
</div>
`;
}

function item({ check, elementId }: RenderedCheck): Html {
  const search = `${check.id} ${check.title} ${check.message}`.toLowerCase();
  return html`<li class="check" data-verdict="${check.verdict}" data-search="${search}">
<details id="${elementId}"${check.verdict === 'fail' ? html` class="failure"` : ''}>
<summary><span class="badge ${check.verdict}">${check.verdict}</span> <span class="title">${check.title}</span> <span class="message">${check.message}</span>${check.durationMs !== undefined ? html` <span class="duration">${check.durationMs} ms</span>` : ''}</summary>
<div class="evidence">${evidence(check)}</div>
</details>
</li>`;
}

function evidence(check: CheckResult): Html {
  const e: Evidence = check.evidence ?? {};
  const parts: Html[] = [html`<p class="full-message">${check.message}</p>`];
  if (e.errors?.length) {
    parts.push(
      html`<h5>Errors</h5><ul class="errors">${e.errors.map((line) => html`<li><code>${line}</code></li>`)}</ul>`,
    );
  }
  if (isObject(e.threshold)) parts.push(html`<h5>Threshold</h5>${definitionList(e.threshold)}`);
  if (isObject(e.operation)) parts.push(html`<h5>Operation</h5>${definitionList(e.operation)}`);
  if (e.request) parts.push(html`<h5>Request</h5>${request(e.request)}`);
  if (e.response) parts.push(html`<h5>Response</h5>${response(e.response)}`);
  if (e.curl) {
    parts.push(
      html`<h5>Reproduce</h5><div class="curl"><pre><code>${e.curl}</code></pre><button type="button" class="copy">Copy curl</button></div>`,
    );
  }
  if (e.timings && Object.keys(e.timings).length > 0) parts.push(html`<h5>Timings</h5>${timings(e.timings)}`);
  for (const [key, value] of Object.entries(e)) {
    if (KNOWN_KEYS.has(key) || value === undefined) continue;
    parts.push(html`<h5>${key}</h5><pre class="json">${json(value)}</pre>`);
  }
  if (parts.length === 1 && check.verdict === 'fail')
    parts.push(html`<p class="empty">No evidence was recorded.</p>`);
  return html`${parts}`;
}

function request(r: RecordedRequest): Html {
  const head = `${r.method} ${r.url}\n${headerLines(r.headers)}`;
  return html`<pre class="http">${head}${r.body ? `\n${r.body}` : ''}</pre>`;
}

function response(r: RecordedResponse): Html {
  const head = `${r.status}\n${headerLines(r.headers)}`;
  return html`<pre class="http">${head}${r.body ? `\n${r.body}` : ''}</pre>${r.bodyTruncated ? html`<p class="note">Body truncated to its first 64 KiB.</p>` : ''}`;
}

function headerLines(headers: Record<string, string> | undefined): string {
  return Object.entries(headers ?? {})
    .map(([name, value]) => `${name}: ${value}\n`)
    .join('');
}

function timings(t: Record<string, number>): Html {
  return html`<dl class="kv">${Object.entries(t).map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'number' ? `${Math.round(v * 10) / 10} ms` : String(v)}</dd>`)}</dl>`;
}

function definitionList(value: Record<string, unknown>): Html {
  return html`<dl class="kv">${Object.entries(value).map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'string' ? v : JSON.stringify(v)}</dd>`)}</dl>`;
}

function json(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? String(value));
  return text.length > SHOWN_JSON_CHARS
    ? `${text.slice(0, SHOWN_JSON_CHARS)}\n… (${text.length - SHOWN_JSON_CHARS} more characters in summary.json)`
    : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
