import type { ExpectationResult, SuiteValidationResult } from '../validate/results.js';
import { definitions, escapeHtml, formatNumber, moreNote, page, valueHtml, valueText } from '../../report/index.js';

export interface ValidationReportOptions {
  /** The page title; by default the suite's name. */
  title?: string;
  /** Failing values and failing rows shown per expectation. Default 20. */
  maxRows?: number;
  /** Expectations shown in full; the rest are only counted. Default 1000 (a suite's limit). */
  maxExpectations?: number;
}

/** GE's count and percent keys, in the order a reader wants them. */
const FIGURES = [
  'element_count',
  'unexpected_count',
  'unexpected_percent',
  'missing_count',
  'missing_percent',
  'unexpected_percent_total',
  'unexpected_percent_nonmissing',
] as const;

/**
 * A validation result as one self-contained HTML page: whether the suite passed and its
 * statistics, then each expectation with its kwargs, outcome, observed value or counts and a
 * bounded sample of its failing values and rows. Every value from the data or the suite is
 * escaped.
 */
export function renderValidationReport(result: SuiteValidationResult, options: ValidationReportOptions = {}): string {
  const maxRows = options.maxRows ?? 20;
  const maxExpectations = options.maxExpectations ?? 1000;
  const title = options.title ?? `Validation of ${result.suite_name}`;
  const s = result.statistics;
  const aquifer = (result.meta['aquifer'] ?? {}) as Record<string, unknown>;
  const about: [string, string][] = [
    ['suite', escapeHtml(result.suite_name)],
    ...(['table', 'version', 'validated_at'] as const)
      .filter((k) => aquifer[k] !== undefined)
      .map((k): [string, string] => [k.replace('_', ' '), escapeHtml(valueText(aquifer[k]))]),
    ['expectations', String(s.evaluated_expectations)],
    ['successful', String(s.successful_expectations)],
    ['unsuccessful', String(s.unsuccessful_expectations)],
    ['success percent', s.success_percent === null ? '–' : `${formatNumber(s.success_percent)} %`],
  ];
  const shown = result.results.slice(0, maxExpectations);
  const overview = `<table><thead><tr><th>#</th><th>expectation</th><th>column</th><th>outcome</th><th>observed / unexpected</th></tr></thead><tbody>${shown
    .map(
      (r, i) =>
        `<tr><td><a href="#e${i + 1}">${i + 1}</a></td><td>${escapeHtml(r.expectation_config.type)}</td><td>${escapeHtml(valueText(columnOf(r), 60))}</td><td>${badge(r.success)}</td><td>${headline(r)}</td></tr>`,
    )
    .join('')}</tbody></table>${moreNote(shown.length, result.results.length, 'expectations')}`;
  const body = [
    `<section><h1>${escapeHtml(title)}</h1><p>${badge(result.success, result.success ? 'suite passed' : 'suite failed')}</p>${definitions(about)}</section>`,
    `<section><h2>Expectations</h2>${overview}</section>`,
    ...shown.map((r, i) => expectationSection(r, i + 1, maxRows)),
  ];
  return page(title, body.join('\n'));
}

const badge = (success: boolean, text = success ? 'pass' : 'fail'): string => `<span class="badge ${success ? 'pass' : 'fail'}">${escapeHtml(text)}</span>`;

/** The column(s) an expectation is about, as its kwargs name them. */
function columnOf(r: ExpectationResult): unknown {
  const k = r.expectation_config.kwargs;
  if (k['column'] !== undefined) return k['column'];
  if (k['column_A'] !== undefined) return `${String(k['column_A'])}, ${String(k['column_B'])}`;
  if (Array.isArray(k['column_list'])) return k['column_list'].join(', ');
  return '';
}

/** The one figure that says most: the failing count of a per-row expectation, else the observed value. */
function headline(r: ExpectationResult): string {
  const res = r.result;
  if (typeof res['unexpected_count'] === 'number') {
    const pct = res['unexpected_percent'];
    return `${res['unexpected_count']} unexpected${typeof pct === 'number' ? ` (${formatNumber(pct)} %)` : ''}`;
  }
  if (res['observed_value'] !== undefined) return valueHtml(res['observed_value'], 80);
  if (r.exception_info.raised_exception) return escapeHtml(valueText(r.exception_info.exception_message ?? 'raised', 80));
  return '';
}

function expectationSection(r: ExpectationResult, n: number, maxRows: number): string {
  const res = r.result;
  const kwargs = Object.entries(r.expectation_config.kwargs).map(([k, v]): [string, string] => [k, valueHtml(v)]);
  const figures: [string, string][] = [];
  if (res['observed_value'] !== undefined) figures.push(['observed_value', valueHtml(res['observed_value'])]);
  for (const k of FIGURES) if (res[k] !== undefined) figures.push([k, valueHtml(res[k])]);
  if (res['details'] !== undefined) figures.push(['details', valueHtml(res['details'], 1000)]);
  const parts = [
    `<section id="e${n}"><h2>${n}. ${escapeHtml(r.expectation_config.type)} ${badge(r.success)}</h2>`,
    '<h3>kwargs</h3>',
    kwargs.length === 0 ? '<p>(none)</p>' : definitions(kwargs),
  ];
  if (r.exception_info.raised_exception)
    parts.push(`<h3>error</h3><p><code>${escapeHtml(valueText(r.exception_info.exception_message ?? '', 2000))}</code></p>`);
  if (figures.length > 0) parts.push('<h3>result</h3>', definitions(figures));
  parts.push(failingValues(res, maxRows), failingRows(res, maxRows), '</section>');
  return parts.join('');
}

/** The failing values: all GE returned (unexpected_list with COMPLETE), else the partial list; and their counts. */
function failingValues(res: Record<string, unknown>, maxRows: number): string {
  const list = Array.isArray(res['unexpected_list'])
    ? res['unexpected_list']
    : Array.isArray(res['partial_unexpected_list'])
      ? res['partial_unexpected_list']
      : [];
  const total = typeof res['unexpected_count'] === 'number' ? res['unexpected_count'] : list.length;
  let html = '';
  if (list.length > 0) {
    const shown = list.slice(0, maxRows);
    html += `<h3>failing values</h3><table><tbody>${shown.map((v) => `<tr><td>${valueHtml(v)}</td></tr>`).join('')}</tbody></table>${moreNote(shown.length, Math.max(total, list.length), 'failing values')}`;
  }
  const counts = res['partial_unexpected_counts'];
  if (Array.isArray(counts) && counts.length > 0) {
    const shown = counts.slice(0, maxRows) as { value?: unknown; count?: unknown }[];
    html += `<h3>most common failing values</h3><table><thead><tr><th>value</th><th>count</th></tr></thead><tbody>${shown
      .map((c) => `<tr><td>${valueHtml(c.value)}</td><td>${escapeHtml(valueText(c.count))}</td></tr>`)
      .join('')}</tbody></table>${moreNote(shown.length, counts.length, 'values')}`;
  }
  for (const key of ['partial_missing_list'] as const) {
    const missing = res[key];
    if (Array.isArray(missing) && missing.length > 0)
      html += `<h3>missing from the data</h3><p>${missing
        .slice(0, maxRows)
        .map((v) => valueHtml(v))
        .join(' ')}</p>${moreNote(Math.min(maxRows, missing.length), missing.length, 'values')}`;
  }
  return html;
}

/** Where the failing rows are: the index list (positions, or records of the domain and id columns). */
function failingRows(res: Record<string, unknown>, maxRows: number): string {
  const list = Array.isArray(res['unexpected_index_list'])
    ? res['unexpected_index_list']
    : Array.isArray(res['partial_unexpected_index_list'])
      ? res['partial_unexpected_index_list']
      : [];
  if (list.length === 0) return '';
  const total = Math.max(list.length, typeof res['unexpected_count'] === 'number' ? res['unexpected_count'] : 0);
  const shown = list.slice(0, maxRows);
  const records = shown.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e));
  let table: string;
  if (records) {
    const columns = [...new Set(shown.flatMap((e) => Object.keys(e as Record<string, unknown>)))];
    table = `<table><thead><tr>${columns.map((c) => `<th>${escapeHtml(valueText(c, 60))}</th>`).join('')}</tr></thead><tbody>${shown
      .map((e) => `<tr>${columns.map((c) => `<td>${valueHtml((e as Record<string, unknown>)[c])}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  } else {
    table = `<p>row positions: ${shown.map((e) => valueHtml(e)).join(', ')}</p>`;
  }
  return `<h3>failing rows</h3>${table}${moreNote(shown.length, total, 'failing rows')}`;
}
