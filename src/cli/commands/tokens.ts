import type { Command } from 'commander';
import { Project } from '../../project/index.js';
import { parseExpiry, ROLES, TokenStore, type Role, type TokenInfo } from '../../server/index.js';
import { choice, parseList } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';

const ROLES_HELP = `
Roles: reader (POST /get-online-features), writer (reader + POST /v1/ingest/{table}, POST /push),
admin (everything). Scopes limit a token to the named tables (ingest), push sources (push) and
feature views or services (lookups). Tokens are stored hashed in .aquifer/tokens.json; the
secret is printed once, by create.`;

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('Bearer tokens for `aquifer serve`: create, list, revoke.').addHelpText('after', ROLES_HELP);
  tokens
    .command('create')
    .description('Create a token and print it once (only its hash is kept).')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, choice(ROLES))
    .option('--name <name>', 'what the token is for')
    .option(
      '--scope <names>',
      'comma-separated tables, push sources, feature views or services it may touch; pii (a grant) reads tagged columns in the clear',
      parseList,
    )
    .option('--expires <when>', 'a duration (30d, 12h, 90m) or an ISO date')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: { role: Role; name?: string; scope?: string[]; expires?: string; project: string; format: InfoFormat }) => {
      const store = TokenStore.forProject(await auditedProject(flags.project));
      const { token, info } = await store.create({
        role: flags.role,
        ...(flags.name === undefined ? {} : { name: flags.name }),
        ...(flags.scope === undefined ? {} : { scopes: flags.scope }),
        ...(flags.expires === undefined ? {} : { expires: parseExpiry(flags.expires) }),
      });
      if (flags.format === 'json') printJson({ token, ...info });
      else
        printText(
          `${token}\n\nToken ${info.id} (${info.role}${info.scopes === undefined ? '' : `, scopes ${info.scopes.join(',')}`}${info.expires === undefined ? '' : `, expires ${info.expires}`}).\nThis is the only time it is shown: store it now. Send it as \`Authorization: Bearer <token>\`.`,
        );
    });
  tokens
    .command('list')
    .description("List the project's tokens (never their secrets).")
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: { project: string; format: InfoFormat }) => {
      const list = await TokenStore.forProject(await Project.open(flags.project)).list();
      if (flags.format === 'json') printJson(list);
      else printText(list.length === 0 ? 'No tokens.' : list.map(describe).join('\n'));
    });
  tokens
    .command('revoke <id>')
    .description('Revoke a token by id; a running server refuses it from the next request.')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (id: string, flags: { project: string; format: InfoFormat }) => {
      const info = await TokenStore.forProject(await auditedProject(flags.project)).revoke(id);
      if (flags.format === 'json') printJson(info);
      else printText(`Revoked ${describe(info)}`);
    });
}

/** The project, its audit log told of the command: who made or revoked a token is audited (never the token). */
async function auditedProject(dir: string): Promise<Project> {
  const project = await Project.open(dir);
  // Loaded here: the audit log imports the table layer, which `tokens list` does not need.
  (await import('../command-audit.js')).noteCommandProject(project);
  return project;
}

function describe(t: TokenInfo): string {
  const state =
    t.revoked !== undefined
      ? `revoked ${t.revoked}`
      : t.expires !== undefined && Date.parse(t.expires) <= Date.now()
        ? `expired ${t.expires}`
        : t.expires !== undefined
          ? `expires ${t.expires}`
          : 'no expiry';
  return `${t.id}  ${t.role.padEnd(6)}  ${t.name ?? '-'}  scopes ${t.scopes?.join(',') ?? 'all'}  created ${t.created}  ${state}`;
}
