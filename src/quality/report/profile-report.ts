import type { ColumnProfile, TableProfile } from '../profile/profile.js';
import { barChart, definitions, escapeHtml, formatNumber, moreNote, page, percent, shareBar, valueHtml, valueText } from '../../report/index.js';

export interface ProfileReportOptions {
  /** The page title; by default the table's location. */
  title?: string;
  /** Columns shown in full; the rest are only counted. Default 500. */
  maxColumns?: number;
}

/**
 * A profile as one self-contained HTML page: the table's figures, an overview of every
 * column, and per column its statistics, a histogram, its null share and its top values.
 * Every value from the data is escaped.
 */
export function renderProfileReport(profile: TableProfile, options: ProfileReportOptions = {}): string {
  const maxColumns = options.maxColumns ?? 500;
  const title = options.title ?? `Profile of ${profile.table ?? 'rows'}`;
  const shown = profile.columns.slice(0, maxColumns);
  const about = definitions([
    ['table', escapeHtml(profile.table ?? '–')],
    ['version', profile.version === null ? '–' : String(profile.version)],
    ['rows', String(profile.row_count)],
    ['columns', String(profile.column_count)],
    ['quantiles', `${escapeHtml(profile.quantile_method)} (as Great Expectations on pandas)`],
  ]);
  const overview = `<table><thead><tr><th>column</th><th>type</th><th>null share</th><th></th><th>distinct</th><th>min</th><th>max</th></tr></thead><tbody>${shown
    .map(
      (c, i) =>
        `<tr><td><a href="#c${i + 1}">${escapeHtml(valueText(c.name, 80))}</a></td><td>${escapeHtml(c.type)}</td><td>${shareBar(c.null_share, 'null share')}</td><td>${percent(c.null_share)}</td><td>${c.distinct_count ?? '–'}</td><td>${valueHtml(c.min, 40)}</td><td>${valueHtml(c.max, 40)}</td></tr>`,
    )
    .join('')}</tbody></table>${moreNote(shown.length, profile.columns.length, 'columns')}`;
  const body = [
    `<section><h1>${escapeHtml(title)}</h1>${about}</section>`,
    `<section><h2>Columns</h2>${overview}</section>`,
    ...shown.map((c, i) => columnSection(c, i + 1)),
  ];
  return page(title, body.join('\n'));
}

function columnSection(c: ColumnProfile, n: number): string {
  const present = c.row_count - c.null_count;
  const stats: [string, string][] = [
    ['type', escapeHtml(`${c.type} (${c.kind})`)],
    ['rows', String(c.row_count)],
    ['nulls', `${c.null_count} (${percent(c.null_share)})`],
  ];
  if (c.distinct_count !== null) stats.push(['distinct', `${c.distinct_count}${present > 0 ? ` (${percent(c.distinct_count / present)} of values)` : ''}`]);
  if (c.min !== null) stats.push(['min', valueHtml(c.min)]);
  if (c.max !== null) stats.push(['max', valueHtml(c.max)]);
  if (c.mean !== null) stats.push(['mean', valueHtml(c.mean)]);
  if (c.stdev !== null) stats.push(['stdev', valueHtml(c.stdev)]);
  if (c.min_length !== null) stats.push(['length', `${c.min_length} to ${c.max_length ?? '?'}`]);
  if (c.quantiles !== null)
    stats.push(['quantiles', c.quantiles.quantiles.map((q, i) => `${formatNumber(q)}: ${valueHtml(c.quantiles?.values[i])}`).join(' · ')]);
  const charts: string[] = [];
  if (c.histogram !== null) {
    const bars = c.histogram.bins.map((b) => ({ label: `${formatNumber(b.lower)} to ${formatNumber(b.upper)}`, count: b.count }));
    charts.push(barChart(bars, c.histogram.of === 'lengths' ? 'histogram of lengths' : 'histogram'));
  }
  if (c.top_values.length > 0)
    charts.push(
      barChart(
        c.top_values.map((v) => ({ label: valueText(v.value, 60), count: v.count })),
        'top values, most common first',
      ),
    );
  charts.push(`<figure>${shareBar(c.null_share, 'null share', 200)}<figcaption>null share ${percent(c.null_share)}</figcaption></figure>`);
  const top =
    c.top_values.length === 0
      ? ''
      : `<h3>top values</h3><table><thead><tr><th>value</th><th>count</th><th>share of values</th></tr></thead><tbody>${c.top_values
          .map((v) => `<tr><td>${valueHtml(v.value)}</td><td>${v.count}</td><td>${percent(present === 0 ? null : v.count / present)}</td></tr>`)
          .join(
            '',
          )}</tbody></table>${c.distinct_count !== null && c.distinct_count > c.top_values.length ? `<p class="more">${c.distinct_count - c.top_values.length} more distinct values not shown.</p>` : ''}`;
  return `<section id="c${n}"><h2>${escapeHtml(valueText(c.name, 200))}</h2>${definitions(stats)}<div class="charts">${charts.join('')}</div>${top}</section>`;
}
