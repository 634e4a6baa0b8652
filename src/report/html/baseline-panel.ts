import type { BaselineComparison, CheckChange, MetricDelta } from '../../run/model.ts';
import { formatDelta, formatValue } from '../baseline/format.ts';
import { describeTolerances } from '../baseline/record.ts';
import { type Html, html } from './html.ts';

/** The "since baseline" panel: what broke, what got fixed, which numbers moved beyond tolerance. */
export function baselinePanel(
  c: BaselineComparison,
  linkOf: (change: CheckChange) => string | undefined,
): Html {
  const b = c.baseline;
  const regressions = c.metrics.filter((m) => m.status === 'regression');
  const improvements = c.metrics.filter((m) => m.status === 'improvement');
  const rest = c.metrics.filter((m) => m.status !== 'regression' && m.status !== 'improvement');
  const stat = (n: number, label: string, bad: boolean) =>
    html`<li class="${bad && n > 0 ? 'bad' : n > 0 ? 'good' : ''}"><strong>${n}</strong> ${n === 1 ? label.replace(/s$/, '') : label}</li>`;
  return html`<section id="since-baseline" class="panel" aria-labelledby="since-baseline-h">
<h2 id="since-baseline-h">Since baseline</h2>
<p>Compared with run <code>${b.runId}</code> (started ${b.startedAt}, profile ${b.profile}, ${b.target.stack} ${b.target.baseUrl})${b.incomplete ? ' — the baseline run did not finish' : ''}.</p>
${c.mismatches.length > 0 ? html`<p class="warning" role="note">Compared anyway (--force), though the runs differ: ${c.mismatches.join('; ')}.</p>` : ''}
<ul class="baseline-counts">
${stat(c.counts.newFailures, 'new failures', true)}${stat(c.counts.fixed, 'fixed', false)}${stat(c.counts.stillFailing, 'still failing', true)}${stat(c.counts.regressions, 'metric regressions', true)}${stat(c.counts.improvements, 'metric improvements', false)}
</ul>
${changeList('New failures', c.checks.newFailures, linkOf, true)}
${changeList('Fixed', c.checks.fixed, linkOf, true)}
${changeList('Still failing', c.checks.stillFailing, linkOf, false)}
${regressions.length > 0 ? html`<h3>Metric regressions</h3>${deltaTable(regressions)}` : ''}
${improvements.length > 0 ? html`<h3>Metric improvements</h3>${deltaTable(improvements)}` : ''}
${rest.length > 0 ? html`<details><summary>All ${c.metrics.length} compared numbers</summary>${deltaTable(c.metrics)}</details>` : ''}
<p class="note">Tolerances: ${describeTolerances(c.tolerances)}. ${c.checks.compared} checks compared${c.checks.added ? `, ${c.checks.added} new in this run` : ''}${c.checks.missing ? `, ${c.checks.missing} in the baseline only` : ''}.</p>
</section>`;
}

function changeList(
  title: string,
  changes: readonly CheckChange[],
  linkOf: (change: CheckChange) => string | undefined,
  open: boolean,
): Html {
  if (changes.length === 0) return html``;
  const items = changes.map((ch) => {
    const target = linkOf(ch);
    const label = html`<code>${ch.id}</code> ${ch.title}`;
    const was = ch.baselineVerdict === null ? 'not in the baseline' : `was ${ch.baselineVerdict}`;
    return html`<li>${target ? html`<a href="#${target}">${label}</a>` : label} <span class="muted">(${ch.suite}; ${was})</span></li>`;
  });
  return html`<details class="changes"${open ? html` open` : ''}><summary>${title} (${changes.length})</summary><ul>${items}</ul></details>`;
}

function deltaTable(deltas: readonly MetricDelta[]): Html {
  return html`<div class="table-wrap"><table class="deltas">
<thead><tr><th scope="col">suite</th><th scope="col">metric</th><th scope="col">stat</th><th scope="col">baseline</th><th scope="col">now</th><th scope="col">change</th></tr></thead>
<tbody>${deltas.map(
    (d) =>
      html`<tr class="${d.status}"><td>${d.suite}</td><td><code>${d.metric}</code></td><td>${d.stat}</td><td>${formatValue(d.baseline, d.unit)}</td><td>${formatValue(d.current, d.unit)}</td><td><span class="delta ${d.status}">${formatDelta(d)}</span> <span class="muted">${d.status}</span></td></tr>`,
  )}</tbody></table></div>`;
}
