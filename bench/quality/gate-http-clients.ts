/**
 * The clients of the HTTP gate benchmark, in their own process (forked by gate-http.ts) so
 * they never share an event loop with the server they measure. The NDJSON file is read once
 * and cut into bodies of `rowsPerRequest` lines; then each `{ url }` message POSTs every body
 * once, `concurrency` keep-alive clients each taking the next body when its last one is
 * answered, and is answered with a ClientsResult. The process ends when its parent disconnects.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { send } from '../ingest/http-send.js';

export interface ClientsConfig {
  file: string;
  rowsPerRequest: number;
  concurrency: number;
}

export type ClientsMessage = { ready: { requests: number; bytes: number } } | { result: ClientsResult } | { failed: string };

export interface ClientsResult {
  requests: number;
  accepted: number;
  quarantined: number;
  /** Status and text of the first responses other than 200. */
  errors: string[];
}

/** Bodies of `rows` lines each, as views of the file's buffer (no copies). */
function bodies(ndjson: Buffer, rows: number): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  let lines = 0;
  for (let at = ndjson.indexOf(10); at !== -1; at = ndjson.indexOf(10, at + 1)) {
    if (++lines < rows) continue;
    out.push(ndjson.subarray(start, at + 1));
    start = at + 1;
    lines = 0;
  }
  if (start < ndjson.length) out.push(ndjson.subarray(start));
  return out;
}

async function post(url: URL, payloads: readonly Buffer[], concurrency: number): Promise<ClientsResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const result: ClientsResult = { requests: 0, accepted: 0, quarantined: 0, errors: [] };
  let next = 0;
  const client = async () => {
    while (next < payloads.length) {
      const { status, text } = await send(agent, url, payloads[next++] as Buffer);
      result.requests++;
      if (status !== 200) {
        if (result.errors.length < 5) result.errors.push(`${status} ${text.slice(0, 300)}`);
        continue;
      }
      const answer = JSON.parse(text) as { accepted?: number; quarantined?: number };
      result.accepted += answer.accepted ?? 0;
      result.quarantined += answer.quarantined ?? 0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  agent.destroy();
  return result;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ClientsConfig;
const ndjson = await readFile(config.file);
const payloads = bodies(ndjson, config.rowsPerRequest);
const reply = (message: ClientsMessage) => process.send?.(message);
process.on('message', (message: { url: string }) => {
  post(new URL(message.url), payloads, config.concurrency).then(
    (result) => reply({ result }),
    (error: unknown) => reply({ failed: String((error as Error).stack ?? error) }),
  );
});
process.on('disconnect', () => process.exit(0));
reply({ ready: { requests: payloads.length, bytes: ndjson.length } });
