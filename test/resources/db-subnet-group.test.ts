/** db-subnet-group (src/resources/db-subnet-group.ts) against the sandbox (src/sandbox/services/rds.ts, src/sandbox/services/rds-groups.ts): find, create, rerun, drift, delete. */
import { DescribeDBSubnetGroupsCommand, ModifyDBSubnetGroupCommand } from "@aws-sdk/client-rds";
import { lifecycle } from "../helpers/kind.js";

lifecycle("db-subnet-group:main", {
  // The description changed in the console (ModifyDBSubnetGroup needs the subnets too).
  drift: async (s, id) => {
    const rds = await s.aws.get("rds");
    const group = (await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: id }))).DBSubnetGroups![0];
    return rds.send(new ModifyDBSubnetGroupCommand({ DBSubnetGroupName: id, DBSubnetGroupDescription: "changed in the console", SubnetIds: group.Subnets!.map((x) => x.SubnetIdentifier!) }));
  },
  expectDriftFields: ["DBSubnetGroupDescription"],
});
