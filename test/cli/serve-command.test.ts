import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../src/project/index.js';
import { ROUTES, TokenStore } from '../../src/server/index.js';
import { runCli } from '../support/cli.js';
import { startServe } from '../support/serve.js';
import { tempDir } from '../support/temp.js';

let dir: string;
let project: Project;
let busy: net.Server;
let busyPort: number;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-serve-');
  project = await Project.init(path.join(dir, 'project'));
  busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as net.AddressInfo).port;
});
afterAll(() => {
  busy?.close();
});

describe('aquifer serve', () => {
  it('lists every route in its help, and a group of routes (the MLflow API) as one line', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.code).toBe(0);
    for (const route of ROUTES) expect(help.stdout).toContain(route.group ?? `${route.method} ${route.path}`);
    expect(help.stdout).not.toContain('/api/2.0/mlflow/runs/create');
  });

  it('exits 1 with a code, not 70, when it cannot start, and never makes a project where none was', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    const cases: [string[], string][] = [
      [['--project', path.join(dir, 'missing')], 'PROJECT_NOT_FOUND'],
      [['--project', file], 'PROJECT_NOT_FOUND'],
      [['--project', project.root, '--port', 'abc'], 'SERVER_PORT_INVALID'],
      [['--project', project.root, '--port', '70000'], 'SERVER_PORT_INVALID'],
      [['--project', project.root, '--port', String(busyPort)], 'SERVER_PORT_IN_USE'],
      [['--project', project.root, '--port', '0', '--host', '203.0.113.7'], 'SERVER_HOST_INVALID'],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['serve', ...args])));
    results.forEach((result, i) => {
      const [args, code] = cases[i] as [string[], string];
      expect([result.code, result.stderr], args.join(' ')).toEqual([1, expect.stringContaining(`error ${code}`)]);
    });
    expect(existsSync(path.join(dir, 'missing'))).toBe(false);
  });

  it('serves with a token and never writes the token to its logs, even at trace level', async () => {
    const { token } = await TokenStore.forProject(project).create({ role: 'reader' });
    const server = await startServe(['--log-level', 'trace', 'serve', '--project', project.root, '--port', '0']);
    const { url } = server;
    try {
      const lookup = (authorization: string) =>
        fetch(`${url}/get-online-features`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ features: ['v:f'], entities: { id: [1] } }),
        });
      expect((await lookup(`Bearer ${token}`)).status).not.toBe(401);
      expect((await lookup(`Bearer ${token}x`)).status).toBe(401);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      await server.stop();
    }
    expect(server.stderr()).toContain('serving');
    expect(server.stderr()).not.toContain(token.slice(17));
  });
});
