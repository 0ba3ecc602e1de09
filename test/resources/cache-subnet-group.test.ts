/** cache-subnet-group (src/resources/cache-subnet-group.ts) against the sandbox (src/sandbox/services/elasticache.ts): find, create, rerun, drift, delete. */
import { ModifyCacheSubnetGroupCommand } from "@aws-sdk/client-elasticache";
import { lifecycle } from "../helpers/kind.js";

lifecycle("cache-subnet-group:redis", {
  drift: async (s, id) => (await s.aws.get("elasticache")).send(new ModifyCacheSubnetGroupCommand({ CacheSubnetGroupName: id, CacheSubnetGroupDescription: "changed in the console" })),
  expectDriftFields: ["Description"],
});
