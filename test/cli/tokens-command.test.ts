import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../src/project/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let dir: string;
let project: Project;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-tokens-');
  project = await Project.init(path.join(dir, 'project'));
});

describe('aquifer tokens', () => {
  it('creates a token shown once, lists it without its secret, and revokes it', async () => {
    const created = await runCli([
      'tokens',
      'create',
      '--role',
      'writer',
      '--name',
      'loader',
      '--scope',
      'events,clicks',
      '--expires',
      '30d',
      '--project',
      project.root,
      '--format',
      'json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const token = JSON.parse(created.stdout) as { token: string; id: string; role: string; scopes: string[]; expires: string };
    expect(token).toMatchObject({ role: 'writer', scopes: ['events', 'clicks'], name: 'loader' });
    expect(token.token).toMatch(/^aqt_/);
    const [text, listed, listedText] = await Promise.all([
      runCli(['tokens', 'create', '--role', 'reader', '--project', path.join(dir, 'project')]),
      runCli(['tokens', 'list', '--project', project.root, '--format', 'json']),
      runCli(['tokens', 'list', '--project', project.root]),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^aqt_[0-9a-f]{12}_\S{43}$/);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(token.token);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((t) => t.id)).toContain(token.id);
    expect(listedText.stdout).toContain(token.id);
    expect(listedText.stdout).not.toContain(token.token);
    expect(await readFile(path.join(project.root, '.aquifer', 'tokens.json'), 'utf8')).not.toContain(token.token);

    const revoked = await runCli(['tokens', 'revoke', token.id, '--project', project.root, '--format', 'json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: token.id, revoked: expect.any(String) });
  });

  it('refuses bad input with typed errors and usage errors', async () => {
    const [unknown, past, noProject, badRole, noRole] = await Promise.all([
      runCli(['tokens', 'revoke', 'nope', '--project', project.root]),
      runCli(['tokens', 'create', '--role', 'reader', '--expires', '2020-01-01', '--project', project.root]),
      runCli(['tokens', 'create', '--role', 'reader', '--project', path.join(dir, 'missing')]),
      runCli(['tokens', 'create', '--role', 'root', '--project', project.root]),
      runCli(['tokens', 'create', '--project', project.root]),
    ]);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('TOKEN_NOT_FOUND')]);
    expect([past.code, past.stderr]).toEqual([1, expect.stringContaining('TOKEN_OPTIONS_INVALID')]);
    expect([noProject.code, noProject.stderr]).toEqual([1, expect.stringContaining('PROJECT_NOT_FOUND')]);
    expect([badRole.code, noRole.code]).toEqual([2, 2]);
  });
});
