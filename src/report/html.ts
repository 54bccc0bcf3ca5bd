/**
 * The pieces Aquifer's HTML reports (validation, profile, drift) are made of: escaping, bounded value text, the page shell with its
 * inline style, and inline SVG charts. A report is one file that opens offline: no scripts,
 * no fonts, no images from anywhere, which the page's Content-Security-Policy also enforces.
 */

/** A value longer than this (as JSON text) is cut, with an ellipsis. */
export const MAX_VALUE_CHARS = 200;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** A value as short text: strings as they are, the rest as JSON; cut at `max` characters. */
export function valueText(value: unknown, max = MAX_VALUE_CHARS): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : (JSON.stringify(value) ?? String(value));
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}

/** A value, escaped, for HTML; strings in quotes so that '' and ' ' show. */
export function valueHtml(value: unknown, max = MAX_VALUE_CHARS): string {
  if (typeof value === 'string') return `<code>"${escapeHtml(valueText(value, max))}"</code>`;
  if (typeof value === 'number') return `<code>${escapeHtml(formatNumber(value))}</code>`;
  return `<code>${escapeHtml(valueText(value, max))}</code>`;
}

/** Integers as they are, other numbers to 6 significant digits. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n) || Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}

export const percent = (share: number | null): string => (share === null ? '–' : `${formatNumber(share * 100)} %`);

/** "and 12 more not shown", when some were left out. */
export function moreNote(shown: number, total: number, what: string): string {
  return total > shown ? `<p class="more">${shown} of ${total} ${escapeHtml(what)} shown; ${total - shown} more not shown.</p>` : '';
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:0 0 8px}h3{font-size:14px;margin:12px 0 4px}
section{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:16px;margin:16px 0}
table{border-collapse:collapse;margin:4px 0}td,th{border-bottom:1px solid #e5e8ec;padding:3px 10px 3px 0;text-align:left;vertical-align:top}
th{font-weight:600;color:#4a5560}code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;word-break:break-all}
.badge{display:inline-block;border-radius:4px;padding:1px 8px;font-weight:600;font-size:12px;color:#fff}
.pass{background:#1f883d}.fail{background:#cf222e}.warn{background:#9a6700}
.more{color:#57606a;font-style:italic}dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:4px 0}dt{color:#4a5560}dd{margin:0}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}svg text{font:10px system-ui,sans-serif;fill:#4a5560}
`;

/** A whole page: doctype, UTF-8, the inline style, and a policy that allows no script and no fetch. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** Definition list rows, values already HTML. */
export function definitions(rows: readonly (readonly [string, string])[]): string {
  return `<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

export interface Bar {
  /** Shown under the first and last bar, and in each bar's tooltip. */
  label: string;
  count: number;
}

/** Bars of counts as inline SVG, with each bar's label and count in its tooltip. */
export function barChart(bars: readonly Bar[], caption: string, width = 320, height = 120): string {
  const max = Math.max(1, ...bars.map((b) => b.count));
  const plot = height - 28;
  const step = bars.length === 0 ? width : width / bars.length;
  const rects = bars
    .map((b, i) => {
      const h = b.count === 0 ? 0 : Math.max(1, (b.count / max) * plot);
      return `<rect x="${(i * step + 1).toFixed(1)}" y="${(14 + plot - h).toFixed(1)}" width="${Math.max(1, step - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#0969da"><title>${escapeHtml(`${b.label}: ${b.count}`)}</title></rect>`;
    })
    .join('');
  const first = bars[0];
  const last = bars[bars.length - 1];
  const axis =
    first === undefined || last === undefined
      ? ''
      : `<text x="0" y="${height - 2}">${escapeHtml(valueText(first.label, 24))}</text><text x="${width}" y="${height - 2}" text-anchor="end">${escapeHtml(valueText(last.label, 24))}</text>`;
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(caption)}"><text x="0" y="10">max ${max}</text>${rects}${axis}</svg><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/** A share (0..1) as a horizontal bar, red for the part it measures. */
export function shareBar(share: number | null, caption: string, width = 160): string {
  const part = share === null ? 0 : Math.min(1, Math.max(0, share)) * width;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="12" viewBox="0 0 ${width} 12" role="img" aria-label="${escapeHtml(`${caption}: ${percent(share)}`)}"><rect x="0" y="1" width="${width}" height="10" fill="#d8dde3"/><rect x="0" y="1" width="${part.toFixed(1)}" height="10" fill="#cf222e"/><title>${escapeHtml(`${caption}: ${percent(share)}`)}</title></svg>`;
}

/** One group of a comparison chart: a label and a share (0..1) per series. */
export interface ComparedBar {
  label: string;
  shares: readonly number[];
}

/** The series of a comparison chart, in order: their names (legend, tooltips) and colours. */
export const COMPARED_SERIES = [
  { name: 'reference', colour: '#8c959f' },
  { name: 'current', colour: '#0969da' },
] as const;

/**
 * Shares of two samples side by side per bin or category, as inline SVG: each group's bars
 * next to each other, its label and both shares in the tooltips, the first and last labels
 * under the axis and a legend above.
 */
export function comparisonChart(groups: readonly ComparedBar[], caption: string, width = 480, height = 150): string {
  const max = Math.max(1e-9, ...groups.flatMap((g) => g.shares));
  const plot = height - 34;
  const step = groups.length === 0 ? width : width / groups.length;
  const bar = Math.max(1, (step - 2) / COMPARED_SERIES.length);
  const rects = groups
    .flatMap((g, i) =>
      COMPARED_SERIES.map((series, s) => {
        const share = g.shares[s] ?? 0;
        const h = share === 0 ? 0 : Math.max(1, (share / max) * plot);
        const tip = `${g.label}: ${series.name} ${percent(share)}`;
        return `<rect x="${(i * step + 1 + s * bar).toFixed(1)}" y="${(20 + plot - h).toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" fill="${series.colour}"><title>${escapeHtml(tip)}</title></rect>`;
      }),
    )
    .join('');
  const legend = COMPARED_SERIES.map(
    (series, s) => `<rect x="${s * 90}" y="2" width="10" height="10" fill="${series.colour}"/><text x="${s * 90 + 14}" y="11">${series.name}</text>`,
  ).join('');
  const first = groups[0];
  const last = groups[groups.length - 1];
  const axis =
    first === undefined || last === undefined
      ? ''
      : `<text x="0" y="${height - 2}">${escapeHtml(valueText(first.label, 30))}</text><text x="${width}" y="${height - 2}" text-anchor="end">${escapeHtml(valueText(last.label, 30))}</text>`;
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(caption)}">${legend}<text x="${width}" y="11" text-anchor="end">max ${percent(max)}</text>${rects}${axis}</svg><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}
