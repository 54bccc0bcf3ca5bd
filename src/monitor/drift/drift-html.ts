import { comparisonChart, definitions, escapeHtml, page, valueText } from '../../report/index.js';
import type { ColumnDrift, DriftReport } from './drift-report.js';

export interface DriftHtmlOptions {
  title?: string;
}

/**
 * A drift report as one HTML file that opens offline: the verdict, a table of every column
 * tested (method, threshold, value, drifted), and per column its two distributions side by
 * side (given when the report was made with `distributions`), then the columns left out.
 */
export function renderDriftHtml(report: DriftReport, options: DriftHtmlOptions = {}): string {
  const title = options.title ?? 'Data drift';
  const { dataset } = report;
  const verdict = dataset.drifted ? '<span class="badge fail">dataset drift detected</span>' : '<span class="badge pass">no dataset drift</span>';
  const about = definitions([
    ['reference', `${escapeHtml(valueText(report.reference.source, 300))} (${report.reference.rows} rows)`],
    ['current', `${escapeHtml(valueText(report.current.source, 300))} (${report.current.rows} rows)`],
    [
      'drifted columns',
      `${dataset.drifted_count} of ${report.columns.length} (share ${number(dataset.drifted_share)}; the dataset drifts at ${number(dataset.drift_share)})`,
    ],
    ['methods', "chosen per column as Evidently's DataDriftPreset chooses them, unless set"],
  ]);
  const rows = report.columns
    .map(
      (c, i) =>
        `<tr><td><a href="#c${i + 1}">${escapeHtml(valueText(c.column, 80))}</a></td><td>${c.type}</td><td>${escapeHtml(c.method)}</td><td>${number(c.threshold)}</td><td>${number(c.value)}</td><td>${badge(c)}</td></tr>`,
    )
    .join('');
  const columns = report.columns.map((c, i) => columnSection(c, i + 1)).join('');
  const skipped =
    report.skipped.length === 0
      ? ''
      : `<section><h2>Not tested</h2><table><tr><th>column</th><th>why</th></tr>${report.skipped
          .map((s) => `<tr><td>${escapeHtml(valueText(s.column, 80))}</td><td>${escapeHtml(s.reason)}</td></tr>`)
          .join('')}</table></section>`;
  return page(
    title,
    `<section><h1>${escapeHtml(title)}</h1><p>${verdict}</p>${about}</section>
<section><h2>Columns</h2><table><tr><th>column</th><th>type</th><th>method</th><th>threshold</th><th>value</th><th>drift</th></tr>${rows}</table></section>
${columns}${skipped}`,
  );
}

function columnSection(c: ColumnDrift, n: number): string {
  const chart =
    c.distribution === undefined
      ? '<p class="more">No distribution: make the report with distributions to draw it.</p>'
      : comparisonChart(
          c.distribution.labels.map((label, i) => ({ label, shares: [c.distribution?.reference[i] ?? 0, c.distribution?.current[i] ?? 0] })),
          `${c.column}: share of values per ${c.distribution.kind === 'bins' ? 'bin' : 'category'}, reference against current`,
        );
  return `<section id="c${n}"><h2>${escapeHtml(valueText(c.column, 120))} ${badge(c)}</h2><p>${escapeHtml(c.method)} ${number(c.value)} against threshold ${number(c.threshold)}</p><div class="charts">${chart}</div></section>`;
}

function badge(c: ColumnDrift): string {
  return c.drifted ? '<span class="badge fail">drifted</span>' : '<span class="badge pass">not drifted</span>';
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  return value === 0 || (Math.abs(value) >= 1e-4 && Math.abs(value) < 1e6) ? String(Number(value.toPrecision(4))) : value.toExponential(3);
}
