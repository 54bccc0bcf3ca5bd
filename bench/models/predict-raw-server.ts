/**
 * The raw limit for online prediction: node:http, one LMDB read of the entities' feature rows
 * (the same online store, through its getMany), one onnxruntime-node run, JSON out. No token,
 * no request pipeline, no checks, no prediction log: what a hand-wired server would do at
 * best. Prints its URL, stops when stdin closes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { entityKey, LmdbOnlineStore } from '../../src/features/index.js';
import { FEATURES, VIEW } from './predict-data.js';

const { root, onnxFile } = JSON.parse(process.argv[2] ?? '{}') as { root: string; onnxFile: string };
const store = LmdbOnlineStore.open(path.join(root, '.aquifer', 'online'));
const session = await ort.InferenceSession.create(await readFile(onnxFile));
const [input] = session.inputNames;

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    void (async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { entities: { user_id: string[] } };
      const ids = body.entities.user_id;
      const rows = await store.read(
        VIEW,
        ids.map((id) => entityKey([id])),
      );
      const data = new Float32Array(ids.length * FEATURES.length);
      rows.forEach((row, i) => FEATURES.forEach((f, j) => (data[i * FEATURES.length + j] = Number(row?.values[f] ?? NaN))));
      const out = await session.run({ [input as string]: new ort.Tensor('float32', data, [ids.length, FEATURES.length]) });
      const label = Array.from(out['label']?.data as BigInt64Array, Number);
      const probability = Array.from(out['probability']?.data as Float32Array);
      const json = JSON.stringify({ predictions: label.map((l) => [l]), outputs: { label: label.map((l) => [l]), probability: probability.map((p) => [p]) } });
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      response.end(json);
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.stdin.resume();
process.stdin.on('end', () => {
  server.close();
  void store.close().then(() => process.exit(0));
});
