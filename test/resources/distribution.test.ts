/** distribution (src/resources/distribution.ts) against the sandbox (src/sandbox/services/cloudfront.ts): find, create, rerun, drift, delete. */
import { GetDistributionConfigCommand, UpdateDistributionCommand } from "@aws-sdk/client-cloudfront";
import { lifecycle } from "../helpers/kind.js";

lifecycle("distribution:site", {
  // The comment and IPv6 changed in the console.
  drift: async (s, id) => {
    const cf = await s.aws.get("cloudfront");
    const got = await cf.send(new GetDistributionConfigCommand({ Id: id }));
    return cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: got.ETag, DistributionConfig: { ...got.DistributionConfig!, Comment: "changed in the console", IsIPV6Enabled: false } }));
  },
  expectDriftFields: ["Comment", "IsIPV6Enabled"],
});
