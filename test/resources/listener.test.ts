/** listener (src/resources/listener.ts) against the sandbox (src/sandbox/services/elbv2.ts): find, create, rerun, drift, delete. */
import { ModifyListenerCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("listener:https", {
  // ALB-03: an older TLS policy.
  drift: async (s, id) => (await s.aws.get("elbv2")).send(new ModifyListenerCommand({ ListenerArn: id, SslPolicy: "ELBSecurityPolicy-2016-08" })),
  expectDriftFields: ["SslPolicy"],
});
