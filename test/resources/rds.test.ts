import { gatherEnvironmentFacts } from "../../src/operations/environment.js";
import { describe, expect, it } from "vitest";
import { StopDBInstanceCommand } from "@aws-sdk/client-rds";
import { networkNodes } from "../../plans/network.js";

/** The network layer only: these tests add their own nodes on top. */
const environmentPlan = (config: Parameters<typeof networkNodes>[0], facts: Parameters<typeof networkNodes>[1]) => ({ name: "network", nodes: networkNodes(config, facts) });
import { down, preview, up } from "../../src/engine/reconcile.js";
import type { Plan, PlanNode } from "../../src/engine/plan.js";
import { InputError } from "../../src/engine/errors.js";
import { contextFactory, type ResourceContext } from "../../src/resources/context.js";
import { dbSubnetGroup } from "../../src/resources/db-subnet-group.js";
import { dbParameterGroup } from "../../src/resources/db-parameter-group.js";
import { dbOptionGroup } from "../../src/resources/db-option-group.js";
import { dbInstance } from "../../src/resources/db-instance.js";
import { exportableLogTypes, majorVersion, newestMysqlVersion, parameterGroupFamily } from "../../src/resources/mysql-engine-version.js";
import { typicalMs } from "../../src/aws/durations.js";
import { sandboxSession, taggedInventory, expectNoopRerun, effectiveWrites } from "../helpers/env.js";

type Node = PlanNode<ResourceContext>;
const KMS = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-0000-4000-8000-00000000d8b1";
const LOGS = ["audit", "error", "general", "slowquery"];

/** The node and everything it depends on, transitively. */
function subplan(plan: Plan<ResourceContext>, ids: string[]): Plan<ResourceContext> {
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const keep = new Set<string>();
  const visit = (n: string) => {
    if (keep.has(n)) return;
    keep.add(n);
    byId.get(n)!.deps.forEach(visit);
  };
  ids.forEach(visit);
  return { name: ids.join(","), nodes: plan.nodes.filter((n) => keep.has(n.id)) };
}

/** The RDS sub-plan on top of the network nodes it needs (isolated subnets, the RDS security group). */
function rdsNodes(version: string): Node[] {
  return [
    {
      id: "db-subnet-group:db",
      deps: ["subnet:isolated-a", "subnet:isolated-b"],
      resource: dbSubnetGroup,
      spec: (r) => ({ name: "demo-db", description: "opsctl demo: RDS MySQL, isolated subnets", subnetIds: [r.id("subnet:isolated-a"), r.id("subnet:isolated-b")] }),
      controls: ["RDS-05", "RDS-11"],
    },
    {
      id: "db-parameter-group:mysql",
      deps: [],
      resource: dbParameterGroup,
      spec: () => ({ name: "demo-mysql", family: parameterGroupFamily(version), description: "opsctl demo: MySQL", parameters: { require_secure_transport: "1", general_log: "1", slow_query_log: "1", log_output: "FILE" } }),
      controls: ["RDS-06", "RDS-09"],
    },
    {
      id: "db-option-group:mysql",
      deps: [],
      resource: dbOptionGroup,
      spec: () => ({ name: "demo-mysql", engineName: "mysql", majorEngineVersion: majorVersion(version), description: "opsctl demo: MySQL audit", options: ["MARIADB_AUDIT_PLUGIN"] }),
      controls: ["RDS-09"],
    },
    {
      id: "db-instance:main",
      deps: ["db-subnet-group:db", "db-parameter-group:mysql", "db-option-group:mysql", "security-group:rds"],
      resource: dbInstance,
      spec: (r) => ({
        identifier: "demo-main",
        engineVersion: version,
        instanceClass: "db.r7g.large",
        allocatedStorageGiB: 50,
        maxAllocatedStorageGiB: 200,
        multiAz: true,
        subnetGroupName: r.id("db-subnet-group:db"),
        securityGroupIds: [r.id("security-group:rds")],
        parameterGroupName: r.id("db-parameter-group:mysql"),
        optionGroupName: r.id("db-option-group:mysql"),
        kmsKeyId: KMS,
        dbName: "app",
        masterUsername: "dbadmin",
        backupRetentionDays: 7,
        performanceInsightsRetentionDays: 465,
        logExports: LOGS,
      }),
      controls: ["RDS-01", "RDS-02", "RDS-03", "RDS-04", "RDS-05", "RDS-08", "RDS-09", "RDS-10", "RDS-11", "RDS-12"],
    },
  ];
}

async function setup(opts: { sandbox?: ReturnType<typeof sandboxSession>["sandbox"]; deleteData?: boolean } = {}) {
  const s = sandboxSession({ sandbox: opts.sandbox });
  const facts = await gatherEnvironmentFacts(s.aws, s.config);
  const version = await newestMysqlVersion({ aws: s.aws });
  const network = environmentPlan(s.config, facts);
  const all: Plan<ResourceContext> = { name: "rds", nodes: [...network.nodes, ...rdsNodes(version)] };
  const plan = (ids: string[]) => subplan(all, ids);
  const opts2 = (deleteData = opts.deleteData ?? false) => {
    const fresh = contextFactory({ env: "demo", region: "eu-west-1", aws: s.aws, clock: s.clock, facts, flags: { deleteData } });
    return { clock: s.clock, makeContext: (n: Node) => fresh(n.id), emit: () => {} };
  };
  return { s, plan, opts: opts2, version };
}

const writes = (s: ReturnType<typeof sandboxSession>) => effectiveWrites(s.sandbox);
const RDS_IDS = ["db-subnet-group:db", "db-parameter-group:mysql", "db-option-group:mysql", "db-instance:main"];

describe("newestMysqlVersion / exportableLogTypes (RDS-01, RDS-09)", () => {
  it("picks the newest available version (numeric sort, every page), not the default", async () => {
    const s = sandboxSession();
    const rds = await s.aws.get("rds");
    // Fill the catalog so the newest versions sit on the second page of 100.
    await rds.send(new (await import("@aws-sdk/client-rds")).DescribeDBEngineVersionsCommand({ Engine: "mysql" }));
    const table = s.sandbox.state.regions["eu-west-1"].rds.engineVersions;
    const template = table["mysql/8.0.43"];
    for (let p = 100; p < 200; p++) table[`mysql/8.0.${p}`] = { ...structuredClone(template), EngineVersion: `8.0.${p}` };
    const before = s.sandbox.journal.length;
    expect(await newestMysqlVersion({ aws: s.aws })).toBe("8.4.10");
    const calls = s.sandbox.journal.slice(before).filter((j) => j.operation === "DescribeDBEngineVersions");
    expect(calls.length).toBe(2);
    expect(calls.every((c) => !(c.input as { DefaultOnly?: boolean }).DefaultOnly)).toBe(true);
  });

  it("a pin wins when it exists; a pin that does not exist is an InputError naming database.engineVersion", async () => {
    const s = sandboxSession();
    expect(await newestMysqlVersion({ aws: s.aws }, "8.0.42")).toBe("8.0.42");
    const err = await newestMysqlVersion({ aws: s.aws }, "8.4.99").catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/^database\.engineVersion: MySQL 8\.4\.99 is not an available/);
    expect(err.message).toContain("8.4.10, 8.4.9, 8.4.8");
    // Deprecated versions are not available either.
    expect(await newestMysqlVersion({ aws: s.aws }, "8.0.30").catch((e) => e)).toBeInstanceOf(InputError);
    expect(parameterGroupFamily("8.4.10")).toBe("mysql8.4");
  });

  it("rejects a version whose exportable log types lack audit", async () => {
    const s = sandboxSession();
    expect(await exportableLogTypes({ aws: s.aws }, "8.4.10", LOGS)).toEqual(LOGS);
    s.sandbox.state.regions["eu-west-1"].rds.engineVersions["mysql/8.4.9"].ExportableLogTypes = ["error", "general", "slowquery"];
    const err = await exportableLogTypes({ aws: s.aws }, "8.4.9", LOGS).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain("cannot export the audit log");
  });
});

describe("RDS modules: create, run again with zero writes, down leaves only the final snapshot", () => {
  for (const id of RDS_IDS) {
    it(id, async () => {
      const { s, plan, opts } = await setup();
      const sub = plan([id]);
      const first = await up(sub, opts());
      expect(first.ok).toBe(true);
      const target = first.outcomes.find((o) => o.node === id)!;
      expect(target.action).toBe("create");
      expect(target.description?.healthy).toBe(true);

      await expectNoopRerun(sub, opts(), s.sandbox);

      const gone = await down(sub, opts());
      expect(gone.ok).toBe(true);
      const left = taggedInventory(s.sandbox, "demo").filter(({ rec }) => !rec.DeletedDate && rec.State !== "deleted" && rec.State?.Name !== "terminated");
      if (id === "db-instance:main") {
        // The final snapshot, and the option group RDS keeps because the snapshot uses it.
        const snap = left.filter((l) => l.key.includes("/rds/snapshots/"));
        expect(snap).toHaveLength(1);
        expect(snap[0].rec.DBSnapshotIdentifier).toMatch(/^demo-final-\d{14}$/);
        expect(snap[0].rec.Status).toBe("available");
        expect(left.filter((l) => !l.key.includes("/rds/snapshots/")).map((l) => l.key)).toEqual(["eu-west-1/rds/optionGroups/demo-mysql"]);
        const kept = gone.outcomes.flatMap((o) => o.kept ?? []);
        expect(kept.some((k) => k.startsWith("demo-main: final snapshot demo-final-"))).toBe(true);
        expect(kept.some((k) => k.startsWith("demo-mysql: used by DB snapshot demo-final-"))).toBe(true);
        expect(s.sandbox.records("eu-west-1", "secretsmanager", "secrets").filter((r) => r.Name.startsWith("rds!"))).toEqual([]);
      } else {
        expect(left.map((l) => l.key)).toEqual([]);
      }
      const b2 = writes(s);
      await down(sub, opts());
      expect(writes(s) - b2).toBe(0);
    });
  }

  it("down --delete-data skips the final snapshot and leaves nothing", async () => {
    const { s, plan, opts } = await setup();
    const sub = plan(RDS_IDS);
    expect((await up(sub, opts())).ok).toBe(true);
    expect((await down(sub, opts(true))).ok).toBe(true);
    const left = taggedInventory(s.sandbox, "demo").filter(({ rec }) => !rec.DeletedDate && rec.State !== "deleted" && rec.State?.Name !== "terminated");
    expect(left.map((l) => l.key)).toEqual([]);
    const del = s.sandbox.journal.find((j) => j.operation === "DeleteDBInstance")!;
    expect(del.input).toMatchObject({ SkipFinalSnapshot: true });
  });
});

describe("db-instance: every RDS control", () => {
  it("the CreateDBInstance request carries RDS-01..RDS-12 (never MasterUserPassword)", async () => {
    const { s, plan, opts, version } = await setup();
    expect((await up(plan(RDS_IDS), opts())).ok).toBe(true);
    const creates = s.sandbox.journal.filter((j) => j.operation === "CreateDBInstance");
    expect(creates).toHaveLength(1);
    const input = creates[0].input as Record<string, unknown>;
    const sg = s.sandbox.records("eu-west-1", "ec2", "securityGroups").find((g) => g.GroupName === "demo-rds")!.GroupId;
    expect(input).toMatchObject({
      DBInstanceIdentifier: "demo-main",
      Engine: "mysql",
      EngineVersion: version,
      DBInstanceClass: "db.r7g.large",
      AllocatedStorage: 50,
      MaxAllocatedStorage: 200,
      MultiAZ: true,
      ManageMasterUserPassword: true,
      MasterUserSecretKmsKeyId: KMS,
      PubliclyAccessible: false,
      NetworkType: "DUAL",
      DBSubnetGroupName: "demo-db",
      VpcSecurityGroupIds: [sg],
      DBParameterGroupName: "demo-mysql",
      OptionGroupName: "demo-mysql",
      EnableIAMDatabaseAuthentication: true,
      EnablePerformanceInsights: true,
      PerformanceInsightsRetentionPeriod: 465,
      PerformanceInsightsKMSKeyId: KMS,
      DatabaseInsightsMode: "advanced",
      EnableCloudwatchLogsExports: LOGS,
      StorageEncrypted: true,
      KmsKeyId: KMS,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      CopyTagsToSnapshot: true,
      DBName: "app",
      MasterUsername: "dbadmin",
    });
    expect(input).not.toHaveProperty("MasterUserPassword");
    expect(input.Tags).toEqual(expect.arrayContaining([{ Key: "opsctl:env", Value: "demo" }, { Key: "opsctl:node", Value: "db-instance:main" }, { Key: "Name", Value: "demo-main" }]));
    // The parameter group: RDS-06 require_secure_transport, RDS-09 logs, dynamic parameters applied immediately.
    const pg = s.sandbox.journal.find((j) => j.operation === "ModifyDBParameterGroup")!.input as { Parameters: { ParameterName: string; ParameterValue: string; ApplyMethod: string }[] };
    expect(pg.Parameters.map((p) => `${p.ParameterName}=${p.ParameterValue}:${p.ApplyMethod}`).sort()).toEqual(["general_log=1:immediate", "log_output=FILE:immediate", "require_secure_transport=1:immediate", "slow_query_log=1:immediate"]);
    const og = s.sandbox.journal.find((j) => j.operation === "ModifyOptionGroup")!.input as { OptionsToInclude: { OptionName: string }[] };
    expect(og.OptionsToInclude).toEqual([{ OptionName: "MARIADB_AUDIT_PLUGIN" }]);
  });

  it("status (describe) reports each control from DescribeDBInstances, and autoStartAt when stopped", async () => {
    const { s, plan, opts, version } = await setup();
    const sub = plan(RDS_IDS);
    expect((await up(sub, opts())).ok).toBe(true);
    const st = await preview(sub, opts());
    const d = st.outcomes.find((o) => o.node === "db-instance:main")!;
    expect(d.changes).toEqual([]);
    const secret = s.sandbox.records("eu-west-1", "secretsmanager", "secrets").find((r) => r.Name.startsWith("rds!db-"))!;
    expect(d.description).toMatchObject({
      id: "demo-main",
      state: "available",
      healthy: true,
      details: {
        engineVersion: `mysql ${version}`,
        multiAz: true,
        instanceClass: "db.r7g.large",
        masterSecretArn: secret.ARN,
        masterSecretStatus: "active",
        masterSecretKmsKeyId: KMS,
        publiclyAccessible: false,
        iamAuth: true,
        networkType: "DUAL",
        performanceInsights: "465 days",
        databaseInsightsMode: "advanced",
        logExports: LOGS,
        deletionProtection: true,
        backupRetentionDays: 7,
        storageEncrypted: true,
        kmsKeyId: KMS,
        optionGroup: "demo-mysql",
      },
    });
    expect(String(d.description!.details!.endpoint)).toMatch(/^demo-main\..+:3306$/);
    expect(secret._tags).toContainEqual({ Key: "aws:rds:primaryDBInstanceArn", Value: "arn:aws:rds:eu-west-1:123456789012:db:demo-main" });
    const pgOut = st.outcomes.find((o) => o.node === "db-parameter-group:mysql")!;
    expect(pgOut.description!.details).toMatchObject({ require_secure_transport: "1", general_log: "1", slow_query_log: "1", log_output: "FILE" });
    expect(st.outcomes.find((o) => o.node === "db-subnet-group:db")!.description!.details).toMatchObject({ networkTypes: ["IPV4", "DUAL"] });

    // Paused: stopped is ready (up does nothing) and status says when AWS restarts it.
    const rds = await s.aws.get("rds");
    await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: "demo-main" }));
    s.sandbox.clock.advance(typicalMs("rds.instance.stop"));
    const stoppedAt = s.clock.now();
    const before = writes(s);
    const again = await up(sub, opts());
    expect(again.ok).toBe(true);
    expect(writes(s) - before).toBe(0);
    const desc = again.outcomes.find((o) => o.node === "db-instance:main")!.description!;
    expect(desc.state).toBe("stopped");
    expect(desc.details!.autoStartAt).toBe(new Date(stoppedAt + 7 * 86_400_000).toISOString());
  });

  it("changes: the class waits for the maintenance window, retention applies at once; the next run writes nothing", async () => {
    const { s, plan, opts } = await setup();
    const sub = plan(RDS_IDS);
    expect((await up(sub, opts())).ok).toBe(true);
    const node = sub.nodes.find((n) => n.id === "db-instance:main")!;
    const spec0 = node.spec;
    node.spec = (r) => ({ ...(spec0(r) as object), instanceClass: "db.r7g.xlarge", backupRetentionDays: 14 });
    const before = s.sandbox.journal.length;
    const run = await up(sub, opts());
    expect(run.ok).toBe(true);
    const mods = s.sandbox.journal.slice(before).filter((j) => j.operation === "ModifyDBInstance").map((j) => j.input);
    expect(mods).toEqual([
      { DBInstanceIdentifier: "demo-main", ApplyImmediately: true, BackupRetentionPeriod: 14 },
      { DBInstanceIdentifier: "demo-main", ApplyImmediately: false, DBInstanceClass: "db.r7g.xlarge" },
    ]);
    const desc = run.outcomes.find((o) => o.node === "db-instance:main")!.description!;
    expect(desc.details).toMatchObject({ instanceClass: "db.r7g.large", backupRetentionDays: 14, pendingMaintenanceWindow: { DBInstanceClass: "db.r7g.xlarge" } });
    const w = writes(s);
    expect((await up(sub, opts())).ok).toBe(true);
    expect(writes(s) - w).toBe(0);
  });
});

describe("RDS sub-plan: crash after every write of a from-zero up, then up again", () => {
  it("converges with no duplicate", async () => {
    const clean = await setup();
    const sub = clean.plan(RDS_IDS);
    expect((await up(sub, clean.opts())).ok).toBe(true);
    const total = writes(clean.s);
    expect(total).toBeGreaterThan(10);
    for (let k = 1; k <= total; k++) {
      const s0 = sandboxSession({ faults: { crashAfterWrites: k } });
      const env = await setup({ sandbox: s0.sandbox });
      s0.sandbox.reset({ crashAfterWrites: k });
      const crashed = await up(env.plan(RDS_IDS), env.opts());
      expect(crashed.ok, `crash after write ${k}`).toBe(false);
      s0.sandbox.reset();
      const again = await up(env.plan(RDS_IDS), env.opts());
      expect(again.ok, `up after crash at write ${k}`).toBe(true);
      const count = (table: string) => s0.sandbox.records("eu-west-1", "rds", table).length;
      expect([count("subnetGroups"), count("parameterGroups"), count("optionGroups"), count("instances")], `after crash at write ${k}`).toEqual([1, 1, 1, 1]);
      expect(s0.sandbox.records("eu-west-1", "secretsmanager", "secrets").filter((r) => r.Name.startsWith("rds!")), `secrets after crash at write ${k}`).toHaveLength(1);
    }
  }, 600_000);
});
