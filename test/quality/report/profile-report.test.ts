import { describe, expect, it } from 'vitest';
import { profile, renderProfileReport } from '../../../src/quality/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';
import { expectSelfContained } from '../../support/self-contained-html.js';

const fixture = tableFixture();

async function profiled() {
  const sql = `SELECT i AS id, CASE WHEN i % 4 = 0 THEN NULL ELSE i * 1.5 END AS amount,
      CASE WHEN i % 3 = 0 THEN '<script>alert(1)</script>' ELSE 'plain & simple' END AS note, i % 2 = 0 AS even
    FROM range(40) t(i)`;
  const { table } = await DeltaTable.create(fixture.location(), { engine: fixture.engine(), data: { sql } });
  return profile(table);
}

describe('renderProfileReport', () => {
  it('renders one self-contained page with each column, its histogram, null share and top values', async () => {
    const p = await profiled();
    const html = renderProfileReport(p);
    expectSelfContained(html);
    for (const c of p.columns) expect(html).toContain(`<h2>${c.name}</h2>`);
    const amount = html.slice(html.indexOf('<section id="c2">'), html.indexOf('<section id="c3">'));
    expect(amount).toContain('aria-label="histogram"');
    expect(amount).toContain('null share 25 %');
    // Ten bins, each a bar with its range and count in the tooltip.
    expect(amount.match(/<rect [^>]*fill="#0969da"><title>[^<]* to [^<]*: \d+<\/title>/g)).toHaveLength(10);
    const note = html.slice(html.indexOf('<section id="c3">'), html.indexOf('<section id="c4">'));
    expect(note).toContain('histogram of lengths');
    expect(note).toContain('<td><code>"plain &amp; simple"</code></td><td>26</td>');
  });

  it('escapes values from the data, so markup renders as text', async () => {
    const html = renderProfileReport(await profiled(), { title: '<b>profile</b>' });
    expectSelfContained(html);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<title>&lt;b&gt;profile&lt;/b&gt;</title>');
  });

  it('shows at most maxColumns columns and says how many more there are', async () => {
    const html = renderProfileReport(await profiled(), { maxColumns: 2 });
    expect(html).toContain('2 of 4 columns shown; 2 more not shown.');
    expect(html).not.toContain('<section id="c3">');
  });
});
