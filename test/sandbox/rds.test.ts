import { describe, expect, it } from "vitest";
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  CreateDBSubnetGroupCommand,
  CreateOptionGroupCommand,
  DeleteDBInstanceCommand,
  DeleteDBParameterGroupCommand,
  DeleteDBSnapshotCommand,
  DeleteDBSubnetGroupCommand,
  DeleteOptionGroupCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSubnetGroupsCommand,
  DescribeOptionGroupsCommand,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  ModifyDBParameterGroupCommand,
  ModifyDBSubnetGroupCommand,
  ModifyOptionGroupCommand,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
  type CreateDBInstanceCommandInput,
} from "@aws-sdk/client-rds";
import { CreateSubnetCommand, CreateVpcCommand, CreateSecurityGroupCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { newSandbox } from "../helpers/sandbox.js";
import { typicalMs } from "../../src/aws/durations.js";

const DAY = 86_400_000;

/** A VPC with two IPv6 subnets (a, b), one IPv4-only subnet (c) and a security group. */
async function setup() {
  const { sandbox, aws } = newSandbox();
  const rds = await aws.get("rds");
  const ec2 = await aws.get("ec2");
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16", AmazonProvidedIpv6CidrBlock: true }))).Vpc!;
  const v6 = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId!] }))).Vpcs![0].Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlock!;
  const prefix = v6.split("::")[0];
  const sub = async (i: number, az: string, ipv6: boolean) =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: `eu-west-1${az}`, Ipv6CidrBlock: ipv6 ? `${prefix.slice(0, -1)}${i}::/64` : undefined }))).Subnet!.SubnetId!;
  const a = await sub(1, "a", true);
  const b = await sub(2, "b", true);
  const c = await sub(3, "c", false);
  const sg = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc.VpcId, GroupName: "db", Description: "db" }))).GroupId!;
  const sm = await aws.get("secrets");
  return { sandbox, rds, sm, subnets: { a, b, c }, sg };
}

async function groups(env: Awaited<ReturnType<typeof setup>>) {
  await env.rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: "Demo-DB", DBSubnetGroupDescription: "db", SubnetIds: [env.subnets.a, env.subnets.b] }));
  await env.rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: "demo-pg", DBParameterGroupFamily: "mysql8.4", Description: "pg" }));
  await env.rds.send(new CreateOptionGroupCommand({ OptionGroupName: "demo-og", EngineName: "mysql", MajorEngineVersion: "8.4", OptionGroupDescription: "og" }));
}

const KMS = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";

function instanceInput(env: Awaited<ReturnType<typeof setup>>, extra: Partial<CreateDBInstanceCommandInput> = {}): CreateDBInstanceCommandInput {
  return {
    DBInstanceIdentifier: "demo-db",
    Engine: "mysql",
    EngineVersion: "8.4.10",
    DBInstanceClass: "db.r7g.large",
    AllocatedStorage: 50,
    MaxAllocatedStorage: 200,
    MultiAZ: true,
    ManageMasterUserPassword: true,
    MasterUserSecretKmsKeyId: KMS,
    MasterUsername: "dbadmin",
    DBName: "app",
    PubliclyAccessible: false,
    NetworkType: "DUAL",
    DBSubnetGroupName: "demo-db",
    VpcSecurityGroupIds: [env.sg],
    DBParameterGroupName: "demo-pg",
    OptionGroupName: "demo-og",
    EnableIAMDatabaseAuthentication: true,
    EnablePerformanceInsights: true,
    PerformanceInsightsRetentionPeriod: 465,
    PerformanceInsightsKMSKeyId: KMS,
    DatabaseInsightsMode: "advanced",
    EnableCloudwatchLogsExports: ["audit", "error", "general", "slowquery"],
    StorageEncrypted: true,
    KmsKeyId: KMS,
    DeletionProtection: true,
    BackupRetentionPeriod: 7,
    CopyTagsToSnapshot: true,
    Tags: [{ Key: "opsctl:env", Value: "demo" }],
    ...extra,
  };
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (e: any) {
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

describe("sandbox RDS: engine versions", () => {
  it("lists available versions by default, deprecated ones with IncludeAll, and pages with Marker", async () => {
    const { rds } = await setup();
    const avail = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: "mysql" }))).DBEngineVersions!;
    expect(avail.every((v) => v.Status === "available")).toBe(true);
    expect(avail.map((v) => v.EngineVersion)).toContain("8.4.10");
    const v = avail.find((x) => x.EngineVersion === "8.4.10")!;
    expect(v.ExportableLogTypes).toEqual(["audit", "error", "general", "slowquery"]);
    expect(v.DBParameterGroupFamily).toBe("mysql8.4");
    expect(v.SupportedFeatureNames).toEqual([]);
    const p1 = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: "mysql", IncludeAll: true, MaxRecords: 20 }));
    expect(p1.DBEngineVersions).toHaveLength(20);
    expect(p1.Marker).toBeDefined();
    const p2 = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: "mysql", IncludeAll: true, MaxRecords: 20, Marker: p1.Marker }));
    expect(p2.Marker).toBeUndefined();
    const all = [...p1.DBEngineVersions!, ...p2.DBEngineVersions!];
    expect(all.filter((x) => x.Status === "deprecated").map((x) => x.EngineVersion)).toEqual(["8.0.28", "8.0.29", "8.0.30", "8.0.31"]);
    expect(all.length).toBe(avail.length + 4);
  });

  it("DefaultOnly answers the default version, not the newest; MaxRecords below 20 is refused", async () => {
    const { rds } = await setup();
    const d = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: "mysql", DefaultOnly: true }))).DBEngineVersions!;
    expect(d.map((x) => x.EngineVersion)).toEqual(["8.0.42"]);
    const d84 = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: "mysql", EngineVersion: "8.4", DefaultOnly: true }))).DBEngineVersions!;
    expect(d84.map((x) => x.EngineVersion)).toEqual(["8.4.6"]);
    expect((await errorOf(rds.send(new DescribeDBEngineVersionsCommand({ Engine: "mysql", MaxRecords: 10 })))).name).toBe("InvalidParameterValue");
  });
});

describe("sandbox RDS: subnet, parameter and option groups", () => {
  it("subnet group: DUAL only when every subnet has IPv6; AZ coverage; lowercase names; errors", async () => {
    const env = await setup();
    const { rds, subnets } = env;
    const g = (await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: "Demo-DB", DBSubnetGroupDescription: "db", SubnetIds: [subnets.a, subnets.b], Tags: [{ Key: "k", Value: "v" }] }))).DBSubnetGroup!;
    expect(g.DBSubnetGroupName).toBe("demo-db");
    expect(g.SupportedNetworkTypes).toEqual(["IPV4", "DUAL"]);
    expect(g.SubnetGroupStatus).toBe("Complete");
    expect(g.Subnets!.map((s) => s.SubnetAvailabilityZone?.Name).sort()).toEqual(["eu-west-1a", "eu-west-1b"]);
    const v4 = (await rds.send(new ModifyDBSubnetGroupCommand({ DBSubnetGroupName: "demo-db", SubnetIds: [subnets.a, subnets.c] }))).DBSubnetGroup!;
    expect(v4.SupportedNetworkTypes).toEqual(["IPV4"]);
    const one = await errorOf(rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: "one", DBSubnetGroupDescription: "x", SubnetIds: [subnets.a] })));
    expect(one.name).toBe("DBSubnetGroupDoesNotCoverEnoughAZs");
    expect((await errorOf(rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: "demo-db", DBSubnetGroupDescription: "x", SubnetIds: [subnets.a, subnets.b] })))).name).toBe("DBSubnetGroupAlreadyExistsFault");
    expect((await errorOf(rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: "bad", DBSubnetGroupDescription: "x", SubnetIds: ["subnet-0000", subnets.b] })))).name).toBe("InvalidSubnet");
    const nf = await errorOf(rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: "nope" })));
    expect(nf).toMatchObject({ name: "DBSubnetGroupNotFoundFault", status: 404 });
    expect((await rds.send(new ListTagsForResourceCommand({ ResourceName: g.DBSubnetGroupArn }))).TagList).toEqual([{ Key: "k", Value: "v" }]);
    await rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: "demo-db" }));
    expect((await rds.send(new DescribeDBSubnetGroupsCommand({}))).DBSubnetGroups).toEqual([]);
  });

  it("parameter group: user values vs engine defaults; static parameters refuse `immediate`", async () => {
    const { rds } = await setup();
    await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: "demo-pg", DBParameterGroupFamily: "mysql8.4", Description: "pg" }));
    expect((await errorOf(rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: "x", DBParameterGroupFamily: "mysql9.9", Description: "pg" })))).name).toBe("InvalidParameterValue");
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: "demo-pg",
        Parameters: [
          { ParameterName: "require_secure_transport", ParameterValue: "1", ApplyMethod: "immediate" },
          { ParameterName: "log_output", ParameterValue: "FILE", ApplyMethod: "immediate" },
        ],
      }),
    );
    const user = (await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: "demo-pg", Source: "user" }))).Parameters!;
    expect(user.map((p) => [p.ParameterName, p.ParameterValue, p.ApplyMethod])).toEqual([
      ["require_secure_transport", "1", "immediate"],
      ["log_output", "FILE", "immediate"],
    ]);
    const defaults = (await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: "demo-pg", Source: "engine-default" }))).Parameters!;
    expect(defaults.map((p) => p.ParameterName)).toContain("general_log");
    const stat = await errorOf(rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: "demo-pg", Parameters: [{ ParameterName: "performance_schema", ParameterValue: "1", ApplyMethod: "immediate" }] })));
    expect(stat.name).toBe("InvalidParameterCombination");
    expect((await errorOf(rds.send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: "nope" })))).name).toBe("DBParameterGroupNotFoundFault");
  });

  it("option group: MARIADB_AUDIT_PLUGIN with its default settings", async () => {
    const { rds } = await setup();
    await rds.send(new CreateOptionGroupCommand({ OptionGroupName: "demo-og", EngineName: "mysql", MajorEngineVersion: "8.4", OptionGroupDescription: "og" }));
    const og = (await rds.send(new ModifyOptionGroupCommand({ OptionGroupName: "demo-og", OptionsToInclude: [{ OptionName: "MARIADB_AUDIT_PLUGIN" }], ApplyImmediately: true }))).OptionGroup!;
    expect(og.Options!.map((o) => o.OptionName)).toEqual(["MARIADB_AUDIT_PLUGIN"]);
    expect(og.Options![0].OptionSettings!.find((s) => s.Name === "SERVER_AUDIT_EVENTS")?.Value).toBe("CONNECT,QUERY");
    expect((await errorOf(rds.send(new ModifyOptionGroupCommand({ OptionGroupName: "demo-og", OptionsToInclude: [{ OptionName: "NOPE" }] })))).name).toBe("InvalidParameterValue");
    expect((await errorOf(rds.send(new DescribeOptionGroupsCommand({ OptionGroupName: "nope" })))).name).toBe("OptionGroupNotFoundFault");
  });
});

describe("sandbox RDS: DB instances", () => {
  it("refuses a master password with the managed option, DUAL over an IPv4 group, advanced insights under 465 days, unexportable logs", async () => {
    const env = await setup();
    await groups(env);
    const { rds } = env;
    const pw = await errorOf(rds.send(new CreateDBInstanceCommand(instanceInput(env, { MasterUserPassword: "secret123" }))));
    expect(pw.name).toBe("InvalidParameterCombination");
    const pi = await errorOf(rds.send(new CreateDBInstanceCommand(instanceInput(env, { PerformanceInsightsRetentionPeriod: 7 }))));
    expect(pi.name).toBe("InvalidParameterCombination");
    const logs = await errorOf(rds.send(new CreateDBInstanceCommand(instanceInput(env, { EnableCloudwatchLogsExports: ["audit", "postgresql"] }))));
    expect(logs).toMatchObject({ name: "InvalidParameterCombination" });
    expect(logs.message).toContain("postgresql");
    const missing = await errorOf(rds.send(new CreateDBInstanceCommand(instanceInput(env, { EngineVersion: "8.4.99" }))));
    expect(missing.message).toBe("Cannot find version 8.4.99 for mysql");
    await rds.send(new ModifyDBSubnetGroupCommand({ DBSubnetGroupName: "demo-db", SubnetIds: [env.subnets.a, env.subnets.c] }));
    const dual = await errorOf(rds.send(new CreateDBInstanceCommand(instanceInput(env))));
    expect(dual.name).toBe("InvalidParameterCombination");
    expect(dual.message).toContain("DUAL");
    expect(env.sandbox.records("eu-west-1", "rds", "instances")).toEqual([]);
  });

  it("creates: creating → backing-up → available, the managed master secret in Secrets Manager, every setting as requested", async () => {
    const env = await setup();
    await groups(env);
    const { rds, sm, sandbox } = env;
    const created = (await rds.send(new CreateDBInstanceCommand(instanceInput(env)))).DBInstance!;
    expect(created.DBInstanceStatus).toBe("creating");
    expect(created.Endpoint).toBeUndefined();
    expect(created.DbiResourceId).toMatch(/^db-[A-Z0-9]{26}$/);
    expect(created.MasterUserSecret).toMatchObject({ SecretStatus: "creating", KmsKeyId: KMS });
    const dup = await errorOf(rds.send(new CreateDBInstanceCommand(instanceInput(env))));
    expect(dup.name).toBe("DBInstanceAlreadyExistsFault");

    const secret = await sm.send(new DescribeSecretCommand({ SecretId: created.MasterUserSecret!.SecretArn }));
    expect(secret.Name).toMatch(/^rds!db-/);
    expect(secret.KmsKeyId).toBe(KMS);
    expect(secret.Tags).toContainEqual({ Key: "aws:rds:primaryDBInstanceArn", Value: created.DBInstanceArn });
    expect(JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: secret.ARN }))).SecretString!)).toMatchObject({ username: "dbadmin" });

    const total = typicalMs("rds.instance.create.multi-az");
    sandbox.clock.advance(total * 0.9);
    const mid = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-db" }))).DBInstances![0];
    expect(mid.DBInstanceStatus).toBe("backing-up");
    sandbox.clock.advance(total * 0.1);
    const d = (await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: "db-instance-id", Values: [created.DBInstanceArn!] }] }))).DBInstances![0];
    expect(d).toMatchObject({
      DBInstanceStatus: "available",
      EngineVersion: "8.4.10",
      MultiAZ: true,
      PubliclyAccessible: false,
      NetworkType: "DUAL",
      IAMDatabaseAuthenticationEnabled: true,
      PerformanceInsightsEnabled: true,
      PerformanceInsightsRetentionPeriod: 465,
      DatabaseInsightsMode: "advanced",
      EnabledCloudwatchLogsExports: ["audit", "error", "general", "slowquery"],
      StorageEncrypted: true,
      KmsKeyId: KMS,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      CopyTagsToSnapshot: true,
      MasterUserSecret: { SecretStatus: "active" },
      DBParameterGroups: [{ DBParameterGroupName: "demo-pg", ParameterApplyStatus: "in-sync" }],
      OptionGroupMemberships: [{ OptionGroupName: "demo-og", Status: "in-sync" }],
      VpcSecurityGroups: [{ VpcSecurityGroupId: env.sg, Status: "active" }],
    });
    expect(d.DBSubnetGroup?.SupportedNetworkTypes).toContain("DUAL");
    expect(d.Endpoint?.Address).toMatch(/^demo-db\..+\.eu-west-1\.rds\.amazonaws\.com$/);
    expect(d.SecondaryAvailabilityZone).toBeDefined();
    expect(d.InstanceCreateTime).toBeInstanceOf(Date);
    const nf = await errorOf(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "nope" })));
    expect(nf).toMatchObject({ name: "DBInstanceNotFoundFault", status: 404, message: "DBInstance nope not found." });
    // Groups in use cannot be deleted.
    expect((await errorOf(rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: "demo-db" })))).name).toBe("InvalidDBSubnetGroupStateFault");
    expect((await errorOf(rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: "demo-pg" })))).name).toBe("InvalidDBParameterGroupStateFault");
    expect((await errorOf(rds.send(new DeleteOptionGroupCommand({ OptionGroupName: "demo-og" })))).name).toBe("InvalidOptionGroupStateFault");
  });

  async function available(env: Awaited<ReturnType<typeof setup>>) {
    await groups(env);
    await env.rds.send(new CreateDBInstanceCommand(instanceInput(env)));
    env.sandbox.clock.advance(typicalMs("rds.instance.create.multi-az"));
  }

  it("modify: window fields go to PendingModifiedValues unless ApplyImmediately; logs and deletion protection apply at once", async () => {
    const env = await setup();
    await available(env);
    const { rds, sandbox } = env;
    const m = (await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-db", DBInstanceClass: "db.r7g.xlarge", DeletionProtection: false, ApplyImmediately: false }))).DBInstance!;
    expect(m.PendingModifiedValues).toEqual({ DBInstanceClass: "db.r7g.xlarge" });
    expect(m.DBInstanceClass).toBe("db.r7g.large");
    expect(m.DeletionProtection).toBe(false);
    expect(m.DBInstanceStatus).toBe("available");
    const l = (await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-db", CloudwatchLogsExportConfiguration: { DisableLogTypes: ["general"] } }))).DBInstance!;
    expect(l.EnabledCloudwatchLogsExports).toEqual(["audit", "error", "slowquery"]);
    expect(l.DBInstanceStatus).toBe("modifying");
    expect((await errorOf(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-db", BackupRetentionPeriod: 8 })))).name).toBe("InvalidDBInstanceStateFault");
    // The weekly window (Sunday 05:00 UTC) applies the pending class.
    sandbox.clock.advance(8 * DAY);
    const after = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-db" }))).DBInstances![0];
    expect(after.DBInstanceClass).toBe("db.r7g.xlarge");
    expect(after.PendingModifiedValues).toEqual({});
    expect(after.PreferredMaintenanceWindow).toBe("sun:05:00-sun:05:30");
  });

  it("stop → stopped (AutomaticRestartTime) → AWS starts it again after 7 days; start → available", async () => {
    const env = await setup();
    await available(env);
    const { rds, sandbox } = env;
    expect((await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: "demo-db" }))).DBInstance!.DBInstanceStatus).toBe("stopping");
    sandbox.clock.advance(typicalMs("rds.instance.stop"));
    const stopped = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-db" }))).DBInstances![0];
    expect(stopped.DBInstanceStatus).toBe("stopped");
    expect(stopped.AutomaticRestartTime!.getTime()).toBe(sandbox.clock.now() + 7 * DAY);
    expect((await errorOf(rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: "demo-db" })))).name).toBe("InvalidDBInstanceStateFault");
    sandbox.clock.advance(7 * DAY);
    expect((await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-db" }))).DBInstances![0].DBInstanceStatus).toBe("starting");
    sandbox.clock.advance(typicalMs("rds.instance.start"));
    expect((await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-db" }))).DBInstances![0].DBInstanceStatus).toBe("available");
    await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: "demo-db" }));
    sandbox.clock.advance(typicalMs("rds.instance.stop"));
    expect((await rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: "demo-db" }))).DBInstance!.DBInstanceStatus).toBe("starting");
  });

  it("a stopped instance: ModifyDBInstance refused (USER_StopInstance); DeleteDBInstance deletes it as it is, final snapshot taken, no auto-start", async () => {
    const env = await setup();
    await groups(env);
    await env.rds.send(new CreateDBInstanceCommand(instanceInput(env, { DeletionProtection: false })));
    env.sandbox.clock.advance(typicalMs("rds.instance.create.multi-az"));
    const { rds, sandbox } = env;
    await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: "demo-db" }));
    sandbox.clock.advance(typicalMs("rds.instance.stop"));
    const modify = await errorOf(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-db", DeletionProtection: true, ApplyImmediately: true })));
    expect(modify).toMatchObject({ name: "InvalidDBInstanceStateFault", message: "You can't modify a stopped DB instance. Start the DB instance, and then modify it." });
    const del = (await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "demo-db", FinalDBSnapshotIdentifier: "demo-final-stopped" }))).DBInstance!;
    expect(del.DBInstanceStatus).toBe("deleting");
    expect(del.AutomaticRestartTime).toBeUndefined();
    // Past the seven days: a deleting instance is not started again.
    sandbox.clock.advance(8 * DAY);
    expect((await errorOf(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-db" })))).name).toBe("DBInstanceNotFoundFault");
    expect((await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "demo-final-stopped" }))).DBSnapshots!.map((x) => [x.Status, x.SnapshotType])).toEqual([["available", "manual"]]);
    expect(sandbox.journal.filter((j) => j.operation === "StartDBInstance")).toEqual([]);
  });

  it("delete: refused while protected; final snapshot creating → available; the instance and its master secret go", async () => {
    const env = await setup();
    await available(env);
    const { rds, sm, sandbox } = env;
    await rds.send(new AddTagsToResourceCommand({ ResourceName: "arn:aws:rds:eu-west-1:123456789012:db:demo-db", Tags: [{ Key: "team", Value: "x" }] }));
    const prot = await errorOf(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "demo-db", FinalDBSnapshotIdentifier: "demo-final-1" })));
    expect(prot).toMatchObject({ name: "InvalidParameterCombination", message: "Cannot delete protected DB Instance, please disable deletion protection and try again." });
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-db", DeletionProtection: false, ApplyImmediately: true }));
    expect((await errorOf(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "demo-db" })))).name).toBe("InvalidParameterCombination");
    const secretArn = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-db" }))).DBInstances![0].MasterUserSecret!.SecretArn!;
    const del = (await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "demo-db", FinalDBSnapshotIdentifier: "demo-final-1" }))).DBInstance!;
    expect(del.DBInstanceStatus).toBe("deleting");
    const snap = (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: "demo-db" }))).DBSnapshots!;
    expect(snap.map((s) => [s.DBSnapshotIdentifier, s.Status, s.SnapshotType])).toEqual([["demo-final-1", "creating", "manual"]]);
    expect(snap[0].TagList).toContainEqual({ Key: "team", Value: "x" });
    expect((await errorOf(rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "demo-final-1" })))).name).toBe("InvalidDBSnapshotStateFault");
    sandbox.clock.advance(typicalMs("rds.instance.delete"));
    expect((await errorOf(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-db" })))).name).toBe("DBInstanceNotFoundFault");
    expect((await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "demo-final-1" }))).DBSnapshots![0].Status).toBe("available");
    expect((await errorOf(sm.send(new DescribeSecretCommand({ SecretId: secretArn })))).name).toBe("ResourceNotFoundException");
    // The snapshot keeps its option group in use; the subnet and parameter groups are free.
    expect((await errorOf(rds.send(new DeleteOptionGroupCommand({ OptionGroupName: "demo-og" })))).name).toBe("InvalidOptionGroupStateFault");
    await rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: "demo-db" }));
    await rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: "demo-pg" }));
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "demo-final-1" }));
    await rds.send(new DeleteOptionGroupCommand({ OptionGroupName: "demo-og" }));
  });
});
