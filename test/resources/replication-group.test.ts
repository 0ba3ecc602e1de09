/** replication-group (src/resources/replication-group.ts) against the sandbox (src/sandbox/services/elasticache.ts, src/sandbox/services/elasticache-state.ts): find, create, rerun, drift, delete. */
import { ModifyReplicationGroupCommand } from "@aws-sdk/client-elasticache";
import { lifecycle } from "../helpers/kind.js";

lifecycle("replication-group:redis", {
  drift: async (s, id) => (await s.aws.get("elasticache")).send(new ModifyReplicationGroupCommand({ ReplicationGroupId: id, ReplicationGroupDescription: "changed in the console", ApplyImmediately: true })),
  expectDriftFields: ["Description"],
});
