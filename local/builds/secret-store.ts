import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The local stand-in for AWS Secrets Manager: one JSON file per secret id under
 * `$SLIPWAY_DATA_DIR/secrets/`, mode 0600, in a 0700 folder. The `aws secretsmanager` simulator
 * (local/simulators/aws) writes and reads the same files, so a secret a phase script creates
 * (the ansible phase's kubeconfig) is what the runner resolves for a later build.
 *
 * File name: the secret id percent-encoded exactly as jq's `@uri` does it (the simulator uses
 * jq), plus `.json`.
 */

export const StoredSecret = z.object({
  Name: z.string(),
  SecretString: z.string(),
  VersionId: z.string().optional(),
  Description: z.string().optional(),
  CreatedDate: z.number().optional(),
  /** Set by `delete-secret` (scheduled deletion); a deleted secret cannot be read. */
  DeletedDate: z.number().nullish(),
});
export type StoredSecret = z.infer<typeof StoredSecret>;

export class SecretResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretResolutionError';
  }
}

/** jq's `@uri`: every byte outside `A-Za-z0-9-_.~` becomes `%XX` (upper-case hex). */
export function uriEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `secret-id:json-key:version-stage:version-id`; the id may itself be an ARN (which holds colons). */
export interface SecretReference {
  readonly secretId: string;
  readonly jsonKey?: string;
  readonly versionStage?: string;
  readonly versionId?: string;
}

export function parseSecretReference(reference: string): SecretReference {
  const parts = reference.split(':');
  // arn:aws:secretsmanager:<region>:<account>:secret:<name> is seven colon-separated fields.
  const idLength = parts[0] === 'arn' ? 7 : 1;
  const secretId = parts.slice(0, idLength).join(':');
  const [jsonKey, versionStage, versionId] = parts.slice(idLength);
  if (!secretId) throw new SecretResolutionError(`secret reference '${reference}' has no secret id`);
  return {
    secretId,
    ...(jsonKey ? { jsonKey } : {}),
    ...(versionStage ? { versionStage } : {}),
    ...(versionId ? { versionId } : {}),
  };
}

export class LocalSecretStore {
  constructor(readonly dir: string) {}

  fileOf(secretId: string): string {
    return join(this.dir, `${uriEncode(this.nameOf(secretId))}.json`);
  }

  /** Creates the secret or stores a new value for it (the file is written 0600, atomically). */
  put(secretId: string, value: string, description?: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const name = this.nameOf(secretId);
    const record: StoredSecret = {
      Name: name,
      SecretString: value,
      VersionId: `local-${Date.now().toString(36)}`,
      CreatedDate: Math.floor(Date.now() / 1000),
      DeletedDate: null,
      ...(description ? { Description: description } : {}),
    };
    const file = this.fileOf(name);
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    renameSync(partial, file);
  }

  get(secretId: string): StoredSecret | undefined {
    const file = this.fileOf(secretId);
    if (!existsSync(file)) return undefined;
    const parsed = StoredSecret.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success)
      throw new SecretResolutionError(`secret ${secretId}: ${file} is not a stored secret`);
    return parsed.data;
  }

  /**
   * The value CodeBuild would put in the variable: the whole SecretString, or one key of it when
   * the reference names a JSON key. Only the current version exists locally.
   */
  resolve(reference: string): string {
    const { secretId, jsonKey, versionStage, versionId } = parseSecretReference(reference);
    if (versionId || (versionStage && versionStage !== 'AWSCURRENT')) {
      throw new SecretResolutionError(
        `secret ${secretId}: only the current version (AWSCURRENT) exists in the local secret store`,
      );
    }
    const secret = this.get(secretId);
    if (!secret || secret.DeletedDate) {
      throw new SecretResolutionError(
        `Secrets Manager can't find the specified secret: ${secretId} (local secret store ${this.dir})`,
      );
    }
    if (jsonKey === undefined) return secret.SecretString;
    let document: unknown;
    try {
      document = JSON.parse(secret.SecretString);
    } catch {
      throw new SecretResolutionError(`secret ${secretId} is not JSON, so it has no key ${jsonKey}`);
    }
    const value =
      document !== null && typeof document === 'object' && !Array.isArray(document)
        ? (document as Record<string, unknown>)[jsonKey]
        : undefined;
    if (value === undefined) throw new SecretResolutionError(`secret ${secretId} has no JSON key ${jsonKey}`);
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  /** A local ARN names the secret after `:secret:`; the store is keyed by name. */
  private nameOf(secretId: string): string {
    const at = secretId.startsWith('arn:') ? secretId.indexOf(':secret:') : -1;
    return at >= 0 ? secretId.slice(at + ':secret:'.length) : secretId;
  }
}
