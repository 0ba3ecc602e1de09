/**
 * Resource kind `origin-access-control`.
 * Tests: test/resources/origin-access-control.test.ts.
 * Sandbox: src/sandbox/services/cloudfront.ts.
 */
import {
  CreateOriginAccessControlCommand,
  DeleteOriginAccessControlCommand,
  GetOriginAccessControlCommand,
  paginateListOriginAccessControls,
  UpdateOriginAccessControlCommand,
  type OriginAccessControl,
  type OriginAccessControlConfig,
  type OriginAccessControlSummary,
} from "@aws-sdk/client-cloudfront";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { TryAgainLater } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import { slowMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, listOnce, orUndefined, retryOn } from "./toolkit.js";

/** CDN-01: a CloudFront Origin Access Control for the web bucket (SigV4, always sign). */
export interface OriginAccessControlSpec {
  /** Unique in the account; use the node's deterministic name (`ctx.name`). */
  name: string;
  description: string;
}

const WANT = { SigningProtocol: "sigv4", SigningBehavior: "always", OriginAccessControlOriginType: "s3" } as const;

/** No figure for OACs in the durations table: the call answers at once. */
const TYPICAL_MS = 1_000;

function config(spec: OriginAccessControlSpec): OriginAccessControlConfig {
  return { Name: spec.name, Description: spec.description, ...WANT };
}

/*
 * An OAC cannot carry tags: CreateOriginAccessControl takes no Tags, the OriginAccessControl shape
 * has no ARN, and TagResource takes the ARN of a distribution (API reference, TagResource:
 * "Tagging a distribution"). So it is found by its deterministic name (`<env>-<name>`), which
 * CloudFront keeps unique per account (OriginAccessControlAlreadyExists).
 */
function allOacs(ctx: ResourceContext): Promise<OriginAccessControlSummary[]> {
  return listOnce(ctx, "cloudfront:oacs", "cloudfront", paginateListOriginAccessControls, { MaxItems: 100 }, (p) => p.OriginAccessControlList?.Items);
}

const fromSummary = (s: OriginAccessControlSummary): OriginAccessControl => ({
  Id: s.Id,
  OriginAccessControlConfig: { Name: s.Name, Description: s.Description, SigningProtocol: s.SigningProtocol, SigningBehavior: s.SigningBehavior, OriginAccessControlOriginType: s.OriginAccessControlOriginType },
});

async function read(ctx: ResourceContext, id: string): Promise<{ oac: OriginAccessControl; etag: string } | undefined> {
  const cf = await ctx.aws.get("cloudfront");
  const r = await orUndefined(cf.send(new GetOriginAccessControlCommand({ Id: id })));
  return r?.OriginAccessControl ? { oac: r.OriginAccessControl, etag: r.ETag! } : undefined;
}

export const originAccessControl: ResourceKind<OriginAccessControlSpec, OriginAccessControl, ResourceContext, { id: string; name: string | undefined }> = {
  kind: "origin-access-control",
  // Deleting waits for the distributions that use it to be gone (OriginAccessControlInUse).
  budget: { create: 60_000, delete: slowMs("cloudfront.distribution.deploy") },
  typicalCreateMs: TYPICAL_MS,

  async find(ctx, spec) {
    const name = spec?.name ?? ctx.name;
    const s = (await allOacs(ctx)).find((o) => o.Name === name);
    return s ? fromSummary(s) : undefined;
  },
  diff(spec, a) {
    const c: FieldChange[] = [];
    const have = a.OriginAccessControlConfig ?? ({} as OriginAccessControlConfig);
    const want = config(spec);
    for (const f of ["Description", "SigningProtocol", "SigningBehavior", "OriginAccessControlOriginType"] as const) {
      if ((have[f] ?? "") !== want[f]) c.push({ field: f, from: have[f], to: want[f] });
    }
    return c;
  },
  async create(ctx, spec) {
    const cf = await ctx.aws.get("cloudfront");
    try {
      const r = await cf.send(new CreateOriginAccessControlCommand({ OriginAccessControlConfig: config(spec) }));
      return r.OriginAccessControl!;
    } catch (e) {
      // Created by a run that crashed before it heard the answer: take it over by name.
      if (!isCode(e, "OriginAccessControlAlreadyExists")) throw e;
      ctx.forget("cloudfront:oacs");
      const found = await this.find(ctx, spec);
      if (!found) throw new TryAgainLater(`origin access control ${spec.name} exists but is not listed yet`, 2_000);
      return found;
    }
  },
  async update(ctx, spec, a) {
    const cf = await ctx.aws.get("cloudfront");
    const cur = await read(ctx, a.Id!);
    if (!cur) throw new TryAgainLater(`origin access control ${a.Id} not visible yet`, 2_000);
    // IfMatch must be the current ETag; a concurrent change answers PreconditionFailed: read again.
    const r = await retryOn(["PreconditionFailed"], `origin access control ${a.Id}`, () =>
      cf.send(new UpdateOriginAccessControlCommand({ Id: a.Id, IfMatch: cur.etag, OriginAccessControlConfig: config(spec) })),
      1_000,
    );
    return r.OriginAccessControl ?? a;
  },
  async delete(ctx, a) {
    const cf = await ctx.aws.get("cloudfront");
    const cur = await read(ctx, a.Id!);
    if (!cur) return;
    // Still used by a distribution being deleted: CloudFront answers OriginAccessControlInUse.
    await retryOn(["OriginAccessControlInUse", "PreconditionFailed"], `origin access control ${a.Id}`, () => deleted(cf.send(new DeleteOriginAccessControlCommand({ Id: a.Id, IfMatch: cur.etag }))), 15_000);
  },
  refresh: async (ctx, a) => (await read(ctx, a.Id!))?.oac,
  describe: (a) => ({
    id: a.Id!,
    state: "available",
    healthy: a.OriginAccessControlConfig?.SigningBehavior === "always" && a.OriginAccessControlConfig?.SigningProtocol === "sigv4",
    details: { name: a.OriginAccessControlConfig?.Name, signing: `${a.OriginAccessControlConfig?.SigningProtocol}/${a.OriginAccessControlConfig?.SigningBehavior}` },
  }),
  outputs: (a) => ({ id: a.Id!, name: a.OriginAccessControlConfig?.Name }),
};
