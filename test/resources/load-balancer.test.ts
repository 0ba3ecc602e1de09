/** load-balancer (src/resources/load-balancer.ts) against the sandbox (src/sandbox/services/elbv2.ts): find, create, rerun, drift, delete. */
import { ModifyLoadBalancerAttributesCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { lifecycle } from "../helpers/kind.js";

lifecycle("load-balancer:api", {
  // ALB-01: invalid header fields passed through.
  drift: async (s, id) =>
    (await s.aws.get("elbv2")).send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: id, Attributes: [{ Key: "routing.http.drop_invalid_header_fields.enabled", Value: "false" }] })),
});
