/** origin-access-control (src/resources/origin-access-control.ts) against the sandbox (src/sandbox/services/cloudfront.ts): find, create, rerun, drift, delete. */
import { GetOriginAccessControlCommand, UpdateOriginAccessControlCommand } from "@aws-sdk/client-cloudfront";
import { lifecycle } from "../helpers/kind.js";

lifecycle("origin-access-control:site", {
  // Signing turned off.
  drift: async (s, id) => {
    const cf = await s.aws.get("cloudfront");
    const got = await cf.send(new GetOriginAccessControlCommand({ Id: id }));
    const cfg = got.OriginAccessControl!.OriginAccessControlConfig!;
    return cf.send(new UpdateOriginAccessControlCommand({ Id: id, IfMatch: got.ETag, OriginAccessControlConfig: { ...cfg, SigningBehavior: "no-override" } }));
  },
  expectDriftFields: ["SigningBehavior"],
});
