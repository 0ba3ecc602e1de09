/** web-acl (src/resources/web-acl.ts) against the sandbox (src/sandbox/services/wafv2.ts): find, create, rerun, drift, delete. */
import { GetWebACLCommand, ListWebACLsCommand, UpdateWebACLCommand } from "@aws-sdk/client-wafv2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("web-acl:site", {
  // The rules removed.
  drift: async (s, id) => {
    const waf = await s.aws.get("wafv2", "us-east-1");
    const name = id;
    const webId = (await waf.send(new ListWebACLsCommand({ Scope: "CLOUDFRONT" }))).WebACLs!.find((w) => w.Name === name)!.Id!;
    const got = await waf.send(new GetWebACLCommand({ Scope: "CLOUDFRONT", Name: name, Id: webId }));
    const acl = got.WebACL!;
    return waf.send(new UpdateWebACLCommand({ Scope: "CLOUDFRONT", Name: name, Id: webId, LockToken: got.LockToken, DefaultAction: acl.DefaultAction, Rules: [], VisibilityConfig: acl.VisibilityConfig }));
  },
  expectDriftFields: ["Rules"],
});
