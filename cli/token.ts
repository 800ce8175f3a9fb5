/**
 * `scopilot token create`: a new random API token and the
 * SCOPILOT_API__API_KEYS entry that grants it, by its sha256, so the settings
 * never hold the secret itself. Nothing is sent anywhere and nothing is
 * stored: the token is printed once, for its holder.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { ApiKey } from '../config/schema.ts';
import { group, JSON_FLAG, oneOf, parse, required } from './client/args.ts';
import { fields, out, printJson } from './client/output.ts';
import { UsageError } from './usage.ts';

const CREATE = 'create --role viewer|operator|admin [--tenant T] [--user EMAIL] [--json]';
const ROLES = ['viewer', 'operator', 'admin'] as const;
const BY_HASH = ApiKey.options[1];

export interface CreatedToken {
  token: string;
  /** The entry for SCOPILOT_API__API_KEYS. */
  apiKey: { sha256: string; tenant: string; role: string; user?: string };
  /** SCOPILOT_API__API_KEYS holding this key alone. */
  setting: string;
}

/** A token like the bootstrap one (`scp_` and 32 random bytes), and its key entry. */
export function createToken(o: { tenant: string; role: string; user?: string | undefined }): CreatedToken {
  const token = `scp_${randomBytes(32).toString('base64url')}`;
  const sha256 = createHash('sha256').update(token, 'utf8').digest('hex');
  const role = oneOf(o.role, ROLES, '--role');
  const entry = { sha256, tenant: o.tenant, role, ...(o.user === undefined ? {} : { user: o.user }) };
  // The settings' own schema for a key given by its hash: what passes here, the server accepts.
  const parsed = v.safeParse(BY_HASH, entry);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue) ?? '';
    const what = path === 'tenant' ? `--tenant ${JSON.stringify(o.tenant)}` : `--${path}`;
    throw new UsageError(
      `${what}: ${path === 'tenant' ? 'must be lower-case letters, digits and hyphens, at most 63' : issue.message}`,
    );
  }
  const apiKey = parsed.output as CreatedToken['apiKey'];
  return { token, apiKey, setting: JSON.stringify([apiKey]) };
}

export const tokenCommand = group('token', {
  create: {
    usage: CREATE,
    async run(args) {
      const { values } = parse(
        args,
        { ...JSON_FLAG, role: { type: 'string' }, tenant: { type: 'string' }, user: { type: 'string' } },
        [],
        `token ${CREATE}`,
      );
      const role = required(values.role, '--role', `token ${CREATE}`);
      const tenant = values.tenant ?? process.env.SCOPILOT_DEFAULT_TENANT_ID ?? 'default';
      const created = createToken({ tenant, role, user: values.user });
      if (values.json) {
        await printJson(created);
        return 0;
      }
      const k = created.apiKey;
      await out(
        [
          fields([
            ['token', created.token],
            ['tenant', k.tenant],
            ['role', k.role],
            ...(k.user === undefined ? [] : [['user', k.user] as [string, string]]),
          ]),
          '',
          'Give the token to its holder: it is shown only this once and stored nowhere.',
          'The server knows it by its sha256. Add this entry to the JSON list in SCOPILOT_API__API_KEYS',
          'and restart the server:',
          `  ${JSON.stringify(k)}`,
          'or, as the only key:',
          `  SCOPILOT_API__API_KEYS='${created.setting}'`,
        ].join('\n'),
      );
      return 0;
    },
  },
});
