/** Simulated EC2: CreateTags, DeleteTags, DescribeTags over every taggable resource (behaviour: ec2.md). */
import type { EC2 } from "@aws-sdk/client-ec2";
import { handler, type Handlers, type SimRecord } from "../types.js";
import { type Ctx, describeStatic, get, list, required, PREFIX_TABLE } from "./ec2-core.js";
import { mergeTags, tagsOf, type Tag } from "../tags.js";

// ---------------------------------------------------------------- tags

function tagTarget(ctx: Ctx, id: string): [SimRecord, string] {
  const prefix = id.replace(/-[0-9a-f]+$/, "");
  const t = PREFIX_TABLE[prefix];
  if (!t) return ctx.fail("InvalidID", `The ID '${id}' is not valid`);
  const rec = get(ctx, t[0], id);
  return [rec, t[1]];
}

const CreateTags = handler<EC2, "CreateTags">((input, ctx) => {
  const targets = (required(ctx, input, "Resources") as string[]).map((id) => tagTarget(ctx, id)[0]);
  for (const rec of targets) mergeTags(rec, (input.Tags ?? []).map((t: SimRecord) => ({ Key: t.Key, Value: t.Value ?? "" })));
  return {};
});

const DeleteTags = handler<EC2, "DeleteTags">((input, ctx) => {
  const targets = (required(ctx, input, "Resources") as string[]).map((id) => tagTarget(ctx, id)[0]);
  for (const rec of targets) {
    // Without Tags every tag goes; a tag given without Value goes whatever its value, with a Value only when it matches.
    const drop = (x: Tag) => !input.Tags || input.Tags.some((t: SimRecord) => t.Key === x.Key && (t.Value === undefined || t.Value === x.Value));
    rec._tags = tagsOf(rec).filter((x) => !drop(x));
  }
  return {};
});

const DescribeTags = handler<EC2, "DescribeTags">((input, ctx) => {
  const rows: SimRecord[] = [];
  for (const [prefix, [table, type]] of Object.entries(PREFIX_TABLE)) {
    void prefix;
    for (const rec of list(ctx, table)) {
      const id = rec[Object.keys(rec).find((k) => typeof rec[k] === "string" && String(rec[k]).startsWith(`${prefix}-`) && k.endsWith("Id"))!];
      for (const t of tagsOf(rec)) rows.push({ Key: t.Key, ResourceId: id, ResourceType: type, Value: t.Value });
    }
  }
  const { items } = describeStatic(rows, input, {
    key: (r) => r.Key,
    value: (r) => r.Value,
    "resource-id": (r) => r.ResourceId,
    "resource-type": (r) => r.ResourceType,
  });
  return { Tags: items };
});

/** The tags handlers of the simulated EC2. */
export const tagHandlers: Handlers<EC2> = {
  CreateTags, DeleteTags, DescribeTags,
};
