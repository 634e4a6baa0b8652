import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/html/page.ts';
import { defineCheck } from '../../src/run/checks.ts';
import type { RunSummary } from '../../src/run/model.ts';
import { buildSummary } from '../../src/run/summary.ts';
import { passingRun } from '../fixtures/report/runs.ts';

// A check declared the way the engines declare theirs, with markup in its texts: the report must show
// them as text.
const documented = defineCheck(import.meta.url, {
  id: 'report-test.documented',
  title: 'A documented check',
  verifies: 'Every answer carries <b>the header</b> & nothing else.',
  failsWhen: 'An answer lacks the header.',
  fix: 'Send the header from the <script>alert(1)</script> middleware every route goes through.',
  severity: 'blocking',
  proof: { exempt: 'a report fixture (test/report/check-reference.test.ts)' },
});

function reportWith(checks: RunSummary['suites'][number]['checks']): string {
  const summary = buildSummary(passingRun());
  summary.suites[0].checks.push(...checks);
  return renderReport(summary);
}

function group(doc: string, id: string): string {
  const start = doc.indexOf(`<section class="group" data-group="${id}">`);
  expect(start, `group ${id}`).toBeGreaterThanOrEqual(0);
  return doc.slice(start, doc.indexOf('</section>', start));
}

describe("the HTML report's reference to each check", () => {
  it("shows a registered check's verifies and fix, escaped, and its entry in docs/checks.md", () => {
    const doc = reportWith([
      documented.fail('no header on GET /v1/things'),
      documented.pass('header on GET /'),
    ]);
    const about = group(doc, documented.id);
    expect(about).toContain(
      '<span class="label">Verifies</span> Every answer carries &lt;b&gt;the header&lt;/b&gt; &amp; nothing else.',
    );
    expect(about).toContain(
      '<span class="label">Fix</span> Send the header from the &lt;script&gt;alert(1)&lt;/script&gt; middleware',
    );
    expect(about).toContain('<code>docs/checks.md#report-test-documented</code>');
    // Once per check id, however many results it has.
    expect(about.split('class="about"')).toHaveLength(2);
    expect(doc).not.toContain('<script>alert(1)</script>');
  });

  it("adds nothing to a user's own check, which the registry does not know", () => {
    const doc = reportWith([
      { id: 'callback.signed', title: 'A signed callback is accepted', verdict: 'pass', message: '200' },
    ]);
    expect(group(doc, 'callback.signed')).not.toContain('class="about"');
    expect(doc).not.toContain('docs/checks.md#callback-signed');
  });
});
