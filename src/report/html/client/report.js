// The report's only script of its own: filters, search, copy buttons and the charts. It reads the data
// block as JSON and writes text with textContent only, never as markup. No network, no storage.
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const checks = Array.from(document.querySelectorAll('li.check'));
  const verdicts = new Set(['fail', 'warn', 'pass', 'skip']);
  let query = '';

  function applyFilter() {
    let visible = 0;
    for (const li of checks) {
      const show = verdicts.has(li.dataset.verdict) && (query === '' || li.dataset.search.includes(query));
      li.hidden = !show;
      if (show) visible += 1;
    }
    for (const group of document.querySelectorAll('section.group')) {
      group.hidden = group.querySelector('li.check:not([hidden])') === null;
    }
    for (const groups of document.querySelectorAll('div.groups')) {
      groups.querySelector('.no-match').hidden = groups.querySelector('li.check:not([hidden])') !== null;
    }
    const counter = document.getElementById('shown-count');
    if (counter) counter.textContent = `${visible} of ${checks.length} checks shown`;
  }

  for (const button of document.querySelectorAll('button[data-verdict]')) {
    button.addEventListener('click', () => {
      const on = button.getAttribute('aria-pressed') !== 'true';
      button.setAttribute('aria-pressed', String(on));
      if (on) verdicts.add(button.dataset.verdict);
      else verdicts.delete(button.dataset.verdict);
      applyFilter();
    });
  }
  const search = document.getElementById('search');
  if (search) {
    search.addEventListener('input', () => {
      query = search.value.trim().toLowerCase();
      applyFilter();
    });
  }
  document.addEventListener('keydown', (event) => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
    if (event.key === '/' && !typing && search) {
      event.preventDefault();
      search.focus();
    }
  });
  const expand = document.getElementById('expand-failures');
  if (expand) {
    expand.addEventListener('click', () => {
      const failures = document.querySelectorAll('details.failure');
      const open = expand.getAttribute('aria-expanded') !== 'true';
      for (const details of failures) details.open = open;
      expand.setAttribute('aria-expanded', String(open));
      expand.textContent = open ? 'Collapse failures' : 'Expand failures';
    });
  }

  // A link to a check (from the baseline panel, or pasted) opens it even when the filter hid it.
  function revealHash() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id ? document.getElementById(id) : null;
    if (!(target instanceof HTMLDetailsElement)) return;
    const li = target.closest('li.check');
    if (li?.hidden) {
      li.hidden = false;
      li.closest('section.group').hidden = false;
    }
    target.open = true;
    target.querySelector('summary').focus();
  }
  window.addEventListener('hashchange', revealHash);
  revealHash();

  for (const button of document.querySelectorAll('button.copy')) {
    button.addEventListener('click', () => {
      const code = button.parentElement.querySelector('code');
      const done = (label) => {
        button.textContent = label;
        setTimeout(() => {
          button.textContent = 'Copy curl';
        }, 2000);
      };
      const fallback = () => {
        const range = document.createRange();
        range.selectNodeContents(code);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        done(document.execCommand('copy') ? 'Copied' : 'Selected: press Ctrl-C');
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(code.textContent).then(() => done('Copied'), fallback);
      } else fallback();
    });
  }

  // ---- charts (uPlot) ----
  function trim(value) {
    const abs = Math.abs(value);
    const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
    return String(Number(value.toFixed(digits)));
  }
  function fmt(value, unit) {
    if (value === null || value === undefined) return '–';
    if (unit === '%') return `${trim(value)}%`;
    if (unit === '' || unit === 'count') return trim(value);
    return `${trim(value)} ${unit}`;
  }
  function clock(seconds) {
    const s = Math.round(seconds);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }
  function colors() {
    const css = getComputedStyle(document.documentElement);
    const v = (name) => css.getPropertyValue(name).trim();
    return {
      axis: v('--muted'),
      grid: v('--grid'),
      fail: v('--fail'),
      warn: v('--warn'),
      series: [1, 2, 3, 4, 5, 6].map((i) => v(`--chart-${i}`)),
    };
  }

  /**
   * The y range fits the data, and the thresholds near it: a limit 20× above every value would
   * flatten the lines into the axis, so it stays in the legend and the summary but off the scale.
   */
  function yTop(spec) {
    const values = spec.series.flatMap((s) => s.values.filter((v) => v !== null));
    const dataMax = values.length > 0 ? Math.max(...values) : 0;
    const near = spec.thresholds.filter((t) => dataMax <= 0 || t.value <= dataMax * 5).map((t) => t.value);
    const top = Math.max(dataMax, ...near);
    return top > 0 ? top * 1.1 : 1;
  }

  function options(spec, width, c) {
    const bars = spec.kind === 'distribution';
    const top = yTop(spec);
    const xValue = (_u, v) => (v === null ? '–' : bars ? `≤ ${fmt(spec.xBounds[v], spec.xUnit)}` : clock(v));
    const series = [{ label: bars ? 'bar' : 'elapsed', value: xValue }];
    spec.series.forEach((s, i) => {
      const color = c.series[i % c.series.length];
      series.push({
        label: s.label,
        stroke: color,
        width: 1.5,
        fill: bars ? `${color}88` : undefined,
        paths: bars ? uPlot.paths.bars({ size: [0.9, 64] }) : undefined,
        points: { show: !bars && spec.x.length <= 30 },
        value: (_u, v) => fmt(v, spec.unit),
      });
    });
    for (const t of spec.thresholds) {
      series.push({
        label: t.value > top ? `${t.label} (off scale)` : t.label,
        stroke: t.passed ? c.warn : c.fail,
        dash: [6, 4],
        width: 1.5,
        points: { show: false },
        value: () => fmt(t.value, spec.unit),
      });
    }
    const axis = { stroke: c.axis, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 } };
    return {
      width,
      height: 240,
      series,
      scales: {
        x: bars ? { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] } : { time: false },
        y: { range: (_u, min) => [Math.min(0, min ?? 0), top] },
      },
      axes: [
        {
          ...axis,
          space: bars ? 70 : 60,
          incrs: bars
            ? [1, 2, 3, 4, 6, 8, 12]
            : [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200],
          values: (_u, splits) =>
            splits.map((v) =>
              bars
                ? Number.isInteger(v) && spec.xBounds[v] !== undefined
                  ? fmt(spec.xBounds[v], spec.xUnit)
                  : ''
                : clock(v),
            ),
        },
        { ...axis, size: 64, values: (_u, splits) => splits.map((v) => fmt(v, spec.unit)) },
      ],
      legend: { live: true },
    };
  }

  function plotData(spec) {
    return [
      spec.x,
      ...spec.series.map((s) => s.values),
      ...spec.thresholds.map((t) => spec.x.map(() => t.value)),
    ];
  }

  const plots = [];
  function drawCharts() {
    while (plots.length > 0) plots.pop().destroy();
    if (typeof uPlot !== 'function') return;
    const c = colors();
    for (const spec of data.charts) {
      const el = document.getElementById(spec.id);
      if (!el) continue;
      const plot = new uPlot(options(spec, Math.max(260, el.clientWidth), c), plotData(spec), el);
      plots.push(plot);
      const points = spec.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
      el.dataset.points = String(points);
    }
  }
  drawCharts();

  if ('ResizeObserver' in window) {
    let pending = 0;
    const resize = new ResizeObserver(() => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => {
        for (const plot of plots) {
          const width = Math.max(260, plot.root.parentElement.clientWidth);
          if (Math.abs(width - plot.width) > 2) plot.setSize({ width, height: 240 });
        }
      });
    });
    for (const figure of document.querySelectorAll('figure.chart-figure')) resize.observe(figure);
  }
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', drawCharts);
  applyFilter();
})();
