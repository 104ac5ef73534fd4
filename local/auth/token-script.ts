/**
 * `npm run token -- --org <org> --role <role> [--sub <name>] [--ttl 1h]`: prints a signed local
 * token, alone on the last line (so `$(npm run -s token -- … | tail -n 1)` captures it), after a
 * short explanation on the lines before. The key follows local mode's rule (see dev-secret.ts).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ROLES, type Role } from '../../functions/domain/authorization.js';
import { isDns1123Label } from '../../functions/domain/spec/names.js';
import { parseDurationMs } from '../cli/duration.js';
import { DevSecretError, resolveDevSecret } from './dev-secret.js';
import { DEFAULT_TTL_SECONDS, LOCAL_AUDIENCE, LOCAL_ISSUER, signLocalToken } from './tokens.js';

function role(value: string): Role {
  const known = ROLES.find((candidate) => candidate === value);
  if (!known) throw new InvalidArgumentError(`unknown role "${value}"; roles: ${ROLES.join(', ')}`);
  return known;
}

function organization(value: string, previous: string[] = []): string[] {
  if (!isDns1123Label(value)) {
    throw new InvalidArgumentError(`"${value}" is not an organization name (a DNS-1123 label)`);
  }
  return [...previous, value];
}

function ttlSeconds(value: string): number {
  try {
    return Math.max(1, Math.round(parseDurationMs(value) / 1000));
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

const program = new Command('npm run token --')
  .description('Print a signed local token for the Slipway API (local mode only).')
  .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, role)
  .addOption(
    new Option('--org <org>', 'an organization the caller belongs to (repeatable)')
      .argParser(organization)
      .default([], 'none'),
  )
  .option('--sub <name>', 'the caller (the subject, recorded as the actor of changes)', 'local-user')
  .addOption(
    new Option('--ttl <duration>', 'lifetime, e.g. 30m, 12h, 7d')
      .argParser(ttlSeconds)
      .default(DEFAULT_TTL_SECONDS, '12h'),
  )
  .showHelpAfterError()
  .action(async (options: { role: Role; org: string[]; sub: string; ttl: number }) => {
    if (options.org.length === 0 && options.role !== 'platform-admin') {
      program.error(`--org is required for role ${options.role} (platform-admin sees every organization)`);
    }
    let secret: Awaited<ReturnType<typeof resolveDevSecret>>;
    try {
      secret = await resolveDevSecret();
    } catch (error) {
      if (!(error instanceof DevSecretError)) throw error;
      // Not a usage mistake: say what is missing, without the usage text.
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    const token = await signLocalToken(secret.key, {
      subject: options.sub,
      role: options.role,
      organizations: options.org,
      ttlSeconds: options.ttl,
    });
    const where = secret.source === 'env' ? 'SLIPWAY_DEV_JWT_SECRET' : secret.path;
    const expires = new Date(Date.now() + options.ttl * 1000).toISOString();
    process.stdout.write(
      [
        `Local token for ${options.sub}: role ${options.role}, organizations [${options.org.join(', ')}],`,
        `issuer ${LOCAL_ISSUER}, audience ${LOCAL_AUDIENCE}, expires ${expires}; signed with the key from ${where}.`,
        'Use it as SLIPWAY_TOKEN for the slipway CLI, or as "Authorization: Bearer <token>".',
        token,
        '',
      ].join('\n'),
    );
  });

await program.parseAsync(process.argv);
