import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A block inlined into the page and the CSP source that allows exactly it. */
export interface InlineAsset {
  text: string;
  hash: string;
}

export interface ReportAssets {
  uplotJs: InlineAsset;
  uplotCss: InlineAsset;
  reportJs: InlineAsset;
  reportCss: InlineAsset;
}

let cached: ReportAssets | null = null;

/**
 * uPlot (MIT, ~50 KB minified, canvas, no dependencies) and the report's own script and styles, read
 * once per process and inlined into every report; nothing is fetched when the page opens.
 */
export function reportAssets(): ReportAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const own = (name: string) => readFileSync(new URL(`./client/${name}`, import.meta.url), 'utf8');
  cached = {
    uplotJs: inline(readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'), 'script'),
    uplotCss: inline(readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'), 'style'),
    reportJs: inline(own('report.js'), 'script'),
    reportCss: inline(own('report.css'), 'style'),
  };
  return cached;
}

/** The CSP hash of a block's exact text; the text must not be able to close its own element. */
export function inline(text: string, element: 'script' | 'style'): InlineAsset {
  if (new RegExp(`</${element}`, 'i').test(text)) {
    throw new Error(`an inlined ${element} contains '</${element}' and would end early`);
  }
  return { text, hash: cspHash(text) };
}

export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}
