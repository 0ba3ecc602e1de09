import { createHash } from "node:crypto";
import { SSMServiceException, type SSM } from "@aws-sdk/client-ssm";
import { defineService, type HandlerContext, type SimRecord, type SimService } from "../types.js";

/*
 * Simulated SSM Parameter Store (behaviour: ssm.md beside this file): the public Amazon Linux
 * AMI parameters (an ami- id per region, deterministic) and small String/StringList/SecureString
 * parameters in the region's "parameters" table keyed by name.
 */

const AMI_PREFIX = "/aws/service/ami-amazon-linux-latest/";

/** The public AMI parameters the sandbox answers. */
export const PUBLIC_AMI_PARAMETERS = [
  "al2023-ami-kernel-default-x86_64",
  "al2023-ami-kernel-default-arm64",
  "al2023-ami-kernel-6.1-x86_64",
  "al2023-ami-kernel-6.1-arm64",
  "al2023-ami-minimal-kernel-default-x86_64",
  "al2023-ami-minimal-kernel-default-arm64",
].map((n) => AMI_PREFIX + n);

/** The image id a public AMI parameter holds in a region (stable across runs). */
export function publicAmiId(region: string, name: string): string {
  return "ami-" + createHash("sha256").update(`${region}:${name}`).digest("hex").slice(0, 17);
}

const PUBLIC_DATE = Date.parse("2025-12-15T00:00:00Z");

function publicParameter(ctx: HandlerContext, name: string): SimRecord | undefined {
  if (!PUBLIC_AMI_PARAMETERS.includes(name)) return undefined;
  return {
    Name: name,
    Type: "String",
    Value: publicAmiId(ctx.region, name),
    Version: 1,
    LastModifiedDate: new Date(PUBLIC_DATE),
    ARN: `arn:aws:ssm:${ctx.region}::parameter${name}`,
    DataType: "aws:ec2:image",
  };
}

/** A parameter by name (optionally `name:version`), or undefined. */
function lookup(ctx: HandlerContext, ref: string, decrypt: boolean): SimRecord | undefined {
  const pub = publicParameter(ctx, ref);
  if (pub) return pub;
  const [name, selector] = ref.split(":");
  const rec = ctx.table("parameters")[name];
  if (!rec || !ctx.visible(rec)) return undefined;
  if (selector !== undefined && Number(selector) !== rec.Version) return undefined;
  const out: SimRecord = {
    Name: rec.Name,
    Type: rec.Type,
    Value: rec.Type === "SecureString" && !decrypt ? Buffer.from(`sandbox-kms:${rec.Value}`).toString("base64") : rec.Value,
    Version: rec.Version,
    LastModifiedDate: new Date(rec._modifiedAt),
    ARN: `arn:aws:ssm:${ctx.region}:${ctx.accountId}:parameter${rec.Name.startsWith("/") ? "" : "/"}${rec.Name}`,
    DataType: rec.DataType,
  };
  if (selector !== undefined) out.Selector = `:${selector}`;
  return out;
}

/** Simulated SSM (behaviour: ssm.md beside this file). */
export const ssmService: SimService = defineService<SSM>({
  clientName: "SSMClient",
  key: "ssm",
  exception: SSMServiceException as any,
  throttlingCode: "ThrottlingException",
  handlers: {
    GetParameter(input, ctx) {
      const p = lookup(ctx, input.Name ?? "", !!input.WithDecryption);
      if (!p) ctx.fail("ParameterNotFound", `Parameter ${input.Name} not found.`);
      return { Parameter: p };
    },

    GetParameters(input, ctx) {
      const names: string[] = input.Names ?? [];
      if (names.length < 1 || names.length > 10) {
        ctx.fail("ValidationException", `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10`);
      }
      const Parameters: SimRecord[] = [];
      const InvalidParameters: string[] = [];
      for (const n of names) {
        const p = lookup(ctx, n, !!input.WithDecryption);
        if (p) Parameters.push(p);
        else InvalidParameters.push(n);
      }
      return { Parameters, InvalidParameters };
    },

    PutParameter(input, ctx) {
      const name: string = input.Name ?? "";
      if (/^\/?(aws|ssm)/i.test(name)) {
        ctx.fail("ValidationException", `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive).`);
      }
      if (!name || name.length > 1011 || !/^[\w.\-/]+$/.test(name)) {
        ctx.fail("ValidationException", "Parameter name must be a fully qualified name and only contain a-zA-Z0-9_.-/");
      }
      const type: string | undefined = input.Type;
      if (type && !["String", "StringList", "SecureString"].includes(type)) {
        ctx.fail("ValidationException", `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`);
      }
      if (typeof input.Value !== "string") ctx.fail("ValidationException", "1 validation error detected: Value null at 'value' failed to satisfy constraint: Member must not be null");
      // AWS answers Overwrite + Tags with this error (the PutParameter reference: tags of an existing
      // parameter change through AddTagsToResource), whether or not the parameter exists.
      if (input.Overwrite && input.Tags?.length) {
        ctx.fail("ValidationException", "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.");
      }
      const table = ctx.table("parameters");
      const old = table[name];
      if (old && !input.Overwrite) {
        ctx.fail("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
      }
      if (!old && !type) ctx.fail("ValidationException", "A parameter type is required when you create a parameter.");
      const rec: SimRecord = old ?? ctx.born({ Name: name, Version: 0 });
      rec.Type = type ?? rec.Type;
      rec.Value = input.Value;
      rec.DataType = input.DataType ?? rec.DataType ?? "text";
      if (input.Description !== undefined) rec.Description = input.Description;
      if (input.KeyId !== undefined) rec.KeyId = input.KeyId;
      rec.Version += 1;
      rec._modifiedAt = ctx.now();
      if (!old) rec._tags = (input.Tags ?? []).map((t: SimRecord) => ({ Key: t.Key, Value: t.Value }));
      table[name] = rec;
      return { Version: rec.Version, Tier: "Standard" };
    },

    DeleteParameter(input, ctx) {
      const table = ctx.table("parameters");
      if (!table[input.Name ?? ""]) ctx.fail("ParameterNotFound", `Parameter ${input.Name} not found.`);
      delete table[input.Name!];
      return {};
    },

    DeleteParameters(input, ctx) {
      const table = ctx.table("parameters");
      const DeletedParameters: string[] = [];
      const InvalidParameters: string[] = [];
      for (const n of input.Names ?? []) {
        if (table[n]) {
          delete table[n];
          DeletedParameters.push(n);
        } else InvalidParameters.push(n);
      }
      return { DeletedParameters, InvalidParameters };
    },
  },
});
