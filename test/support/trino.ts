/**
 * Trino's client protocol, reduced to what tests need: POST the statement to /v1/statement
 * with X-Trino-User, then follow nextUri until it is gone, gathering the data pages. The
 * server itself comes from startTrino() in services.ts.
 */

interface StatementPage {
  nextUri?: string;
  columns?: { name: string }[];
  data?: unknown[][];
  error?: { message: string; errorName?: string };
}

/** Run one statement and return its rows as objects keyed by column name; a Trino error throws with its message. */
export async function trinoQuery(endpoint: string, sql: string): Promise<Record<string, unknown>[]> {
  const headers = { 'X-Trino-User': 'aquifer', 'X-Trino-Time-Zone': 'UTC' };
  const fetchPage = async (url: string, init: RequestInit): Promise<StatementPage> => {
    // Generous: a statement on two shared cores can take minutes; each page is a long poll.
    const response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(300_000) });
    if (!response.ok) throw new Error(`Trino answered ${response.status} to ${url}: ${await response.text()}`);
    return (await response.json()) as StatementPage;
  };
  let page = await fetchPage(`${endpoint}/v1/statement`, { method: 'POST', body: sql });
  let columns: string[] | undefined;
  const rows: Record<string, unknown>[] = [];
  for (;;) {
    if (page.error !== undefined) throw new Error(`Trino failed (${page.error.errorName ?? 'error'}): ${page.error.message}\n${sql}`);
    columns ??= page.columns?.map((c) => c.name);
    for (const values of page.data ?? []) rows.push(Object.fromEntries((columns ?? []).map((name, i) => [name, values[i]])));
    if (page.nextUri === undefined) return rows;
    page = await fetchPage(page.nextUri, { method: 'GET' });
  }
}
