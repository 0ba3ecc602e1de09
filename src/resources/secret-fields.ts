/**
 * Resource kind `secret-fields`.
 * Tests: test/resources/secret-fields.test.ts.
 * Sandbox: src/sandbox/services/secretsmanager.ts.
 */
import { createHash } from "node:crypto";
import { GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import type { ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { orUndefined } from "./toolkit.js";

/**
 * Fields of a JSON secret that come from other resources and are only known after
 * they exist (e.g. the Redis endpoint in `<env>/redis`, SPEC.md's `{host, port, authToken}`).
 * Only these fields are compared and written; the rest of the value (passwords, tokens)
 * is kept as it is and never shown.
 */
export interface SecretFieldsSpec {
  secretArn: string;
  fields: Record<string, string | number>;
}

/** The secret's current version and the managed fields' values (the rest is not kept in memory longer than needed). */
export interface SecretFieldsActual {
  secretArn: string;
  versionId: string;
  fields: Record<string, unknown>;
}

async function read(ctx: ResourceContext, secretArn: string, names: string[]): Promise<SecretFieldsActual | undefined> {
  const sm = await ctx.aws.get("secrets");
  const v = await orUndefined(sm.send(new GetSecretValueCommand({ SecretId: secretArn })));
  if (!v?.SecretString) return undefined;
  const all = JSON.parse(v.SecretString) as Record<string, unknown>;
  return { secretArn, versionId: v.VersionId!, fields: Object.fromEntries(names.map((n) => [n, all[n]])) };
}

export const secretFields: ResourceKind<SecretFieldsSpec, SecretFieldsActual, ResourceContext, { id: string }> = {
  kind: "secret-fields",
  budget: { create: slowMs("secretsmanager.secret.create") * 3, delete: 0 },
  typicalCreateMs: typicalMs("secretsmanager.secret.create"),

  find: (ctx, spec) => (spec ? read(ctx, spec.secretArn, Object.keys(spec.fields)) : Promise.resolve(undefined)),
  diff: (spec, a) =>
    Object.entries(spec.fields)
      .filter(([k, v]) => a.fields[k] !== v)
      .map(([k, v]) => ({ field: k, from: a.fields[k], to: v })),
  async create(_ctx, spec) {
    throw new TryAgainLater(`secret ${spec.secretArn} has no value yet`, 1_000);
  },
  async update(ctx, spec, a) {
    const sm = await ctx.aws.get("secrets");
    const current = await sm.send(new GetSecretValueCommand({ SecretId: spec.secretArn }));
    const value = JSON.stringify({ ...(JSON.parse(current.SecretString ?? "{}") as object), ...spec.fields });
    // The token is derived from the version it replaces and the new value: a retried write after a
    // crash is the same version, and a value put back after an out-of-band change is a new one (the
    // same token and value as an older version would make PutSecretValue do nothing, leaving the drift).
    const token = createHash("sha256").update(ctx.env + ctx.node + (current.VersionId ?? "") + value).digest("hex").slice(0, 64);
    await sm.send(new PutSecretValueCommand({ SecretId: spec.secretArn, SecretString: value, ClientRequestToken: token }));
    return (await read(ctx, spec.secretArn, Object.keys(spec.fields))) ?? a;
  },
  // The fields go with the secret itself.
  delete: async () => {},
  refresh: (ctx, a) => read(ctx, a.secretArn, Object.keys(a.fields)),
  describe: (a) => ({ id: `${a.secretArn.split(":").pop()}#${Object.keys(a.fields).join(",")}`, state: "set", healthy: true }),
  outputs: (a) => ({ id: a.versionId }),
};
