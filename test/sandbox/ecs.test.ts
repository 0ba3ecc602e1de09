import { describe, expect, it } from "vitest";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSServiceException,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UpdateClusterSettingsCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
  type Service,
} from "@aws-sdk/client-ecs";
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2";
import { CreateLogGroupCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { newSandbox } from "../helpers/sandbox.js";

const S = 1000;

async function setup() {
  const { sandbox, aws } = newSandbox();
  const ecs = await aws.get("ecs");
  const ec2 = await aws.get("ec2");
  const logs = await aws.get("logs");
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  const a = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: "10.0.1.0/24", AvailabilityZone: "eu-west-1a" }))).Subnet!.SubnetId!;
  const b = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: "10.0.2.0/24", AvailabilityZone: "eu-west-1b" }))).Subnet!.SubnetId!;
  const sg = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: "tasks", Description: "tasks" }))).GroupId!;
  await logs.send(new CreateLogGroupCommand({ logGroupName: "/app" }));
  await ecs.send(new CreateClusterCommand({ clusterName: "c1", settings: [{ name: "containerInsights", value: "enabled" }], capacityProviders: ["FARGATE"], tags: [{ key: "env", value: "t" }] }));
  const net = { awsvpcConfiguration: { subnets: [a, b], securityGroups: [sg], assignPublicIp: "DISABLED" as const } };
  const wait = (ms: number) => sandbox.clock.sleep(ms);
  return { sandbox, aws, ecs, ec2, logs, subnets: [a, b], sg, net, wait };
}

function app(image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/none:1", extra: Partial<ContainerDefinition> = {}): ContainerDefinition {
  return {
    name: "app",
    image,
    portMappings: [{ containerPort: 3000 }],
    logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/app", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "api" } },
    environment: [{ name: "NODE_ENV", value: "production" }],
    healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost:3000/health || exit 1"], interval: 30, timeout: 5, retries: 3 },
    readonlyRootFilesystem: true,
    ...extra,
  };
}

async function register(ecs: Awaited<ReturnType<typeof setup>>["ecs"], image = "public.ecr.aws/docker/library/node:22", extra: Partial<ContainerDefinition> = {}) {
  const r = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: "api",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
      executionRoleArn: "arn:aws:iam::123456789012:role/exec",
      taskRoleArn: "arn:aws:iam::123456789012:role/task",
      containerDefinitions: [app(image, extra)],
      tags: [{ key: "opsctl:node", value: "task-definition:api" }],
    }),
  );
  return r.taskDefinition!;
}

async function failure(p: Promise<unknown>): Promise<ECSServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ECSServiceException);
  return e as ECSServiceException;
}

describe("ECS clusters", () => {
  it("creates with settings and tags, describes with include, updates settings, reports missing clusters", async () => {
    const { ecs } = await setup();
    const d = await ecs.send(new DescribeClustersCommand({ clusters: ["c1", "nope"], include: ["SETTINGS", "TAGS"] }));
    expect(d.clusters![0]).toMatchObject({ clusterName: "c1", status: "ACTIVE", clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/c1", capacityProviders: ["FARGATE"] });
    expect(d.clusters![0].settings).toEqual([{ name: "containerInsights", value: "enabled" }]);
    expect(d.clusters![0].tags).toEqual([{ key: "env", value: "t" }]);
    expect(d.failures).toEqual([{ arn: "arn:aws:ecs:eu-west-1:123456789012:cluster/nope", reason: "MISSING" }]);
    const plain = await ecs.send(new DescribeClustersCommand({ clusters: ["c1"] }));
    expect(plain.clusters![0].settings).toBeUndefined();
    expect(plain.clusters![0].tags).toBeUndefined();
    await ecs.send(new UpdateClusterSettingsCommand({ cluster: "c1", settings: [{ name: "containerInsights", value: "enhanced" }] }));
    const u = await ecs.send(new DescribeClustersCommand({ clusters: ["c1"], include: ["SETTINGS"] }));
    expect(u.clusters![0].settings).toEqual([{ name: "containerInsights", value: "enhanced" }]);
    // Same name again: the existing cluster.
    const again = await ecs.send(new CreateClusterCommand({ clusterName: "c1" }));
    expect(again.cluster!.clusterArn).toBe(d.clusters![0].clusterArn);
  });

  it("refuses to delete a cluster with services or tasks, then goes INACTIVE", async () => {
    const { ecs, net, wait } = await setup();
    const td = await register(ecs);
    await ecs.send(new CreateServiceCommand({ cluster: "c1", serviceName: "s", taskDefinition: td.taskDefinitionArn, desiredCount: 0, launchType: "FARGATE", networkConfiguration: net }));
    expect((await failure(ecs.send(new DeleteClusterCommand({ cluster: "c1" })))).name).toBe("ClusterContainsServicesException");
    await ecs.send(new DeleteServiceCommand({ cluster: "c1", service: "s" }));
    // DRAINING still counts as a service of the cluster.
    expect((await failure(ecs.send(new DeleteClusterCommand({ cluster: "c1" })))).name).toBe("ClusterContainsServicesException");
    await wait(11 * S);
    await ecs.send(new RunTaskCommand({ cluster: "c1", taskDefinition: td.taskDefinitionArn, launchType: "FARGATE", networkConfiguration: net }));
    expect((await failure(ecs.send(new DeleteClusterCommand({ cluster: "c1" })))).name).toBe("ClusterContainsTasksException");
    await wait(5 * 60 * S);
    const del = await ecs.send(new DeleteClusterCommand({ cluster: "c1" }));
    expect(del.cluster!.status).toBe("INACTIVE");
    expect((await ecs.send(new DescribeClustersCommand({ clusters: ["c1"] }))).clusters![0].status).toBe("INACTIVE");
    expect((await failure(ecs.send(new RunTaskCommand({ cluster: "c1", taskDefinition: "api", networkConfiguration: net })))).name).toBe("ClusterNotFoundException");
  });
});

describe("ECS task definitions", () => {
  it("registers revisions with AWS's defaults, describes with tags, lists, deregisters", async () => {
    const { ecs } = await setup();
    const one = await register(ecs);
    const two = await register(ecs);
    expect(one.revision).toBe(1);
    expect(two.revision).toBe(2);
    expect(two.taskDefinitionArn).toBe("arn:aws:ecs:eu-west-1:123456789012:task-definition/api:2");
    expect(two.containerDefinitions![0]).toMatchObject({ cpu: 0, essential: true, portMappings: [{ containerPort: 3000, hostPort: 3000, protocol: "tcp" }], mountPoints: [], volumesFrom: [] });
    expect(two.compatibilities).toEqual(["EC2", "FARGATE"]);
    expect(two.cpu).toBe("256");
    expect(two.registeredAt).toBeInstanceOf(Date);
    const d = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "api", include: ["TAGS"] }));
    expect(d.taskDefinition!.revision).toBe(2);
    expect(d.tags).toEqual([{ key: "opsctl:node", value: "task-definition:api" }]);
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "api:2" }));
    expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "api" }))).taskDefinition!.revision).toBe(1);
    expect((await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "api" }))).taskDefinitionArns).toEqual([one.taskDefinitionArn]);
    expect((await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "api", status: "INACTIVE" }))).taskDefinitionArns).toEqual([two.taskDefinitionArn]);
    const three = await register(ecs);
    expect(three.revision).toBe(3);
    expect((await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "api", sort: "DESC" }))).taskDefinitionArns![0]).toBe(three.taskDefinitionArn);
    expect((await failure(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "nope" })))).name).toBe("ClientException");
  });

  it("rejects an invalid Fargate CPU/memory pair, a non-awsvpc network mode and awslogs without an execution role", async () => {
    const { ecs } = await setup();
    const base = { family: "x", networkMode: "awsvpc" as const, requiresCompatibilities: ["FARGATE" as const], executionRoleArn: "arn:aws:iam::123456789012:role/e", containerDefinitions: [app()] };
    const bad = await failure(ecs.send(new RegisterTaskDefinitionCommand({ ...base, cpu: "256", memory: "4096" })));
    expect(bad.name).toBe("ClientException");
    expect(bad.message).toMatch(/No Fargate configuration exists for given values/);
    expect((await failure(ecs.send(new RegisterTaskDefinitionCommand({ ...base, cpu: "300", memory: "512" })))).message).toBe("Invalid 'cpu' setting for task.");
    expect((await failure(ecs.send(new RegisterTaskDefinitionCommand({ ...base, cpu: "256", memory: "512", networkMode: "bridge" })))).message).toMatch(/awsvpc/);
    expect((await failure(ecs.send(new RegisterTaskDefinitionCommand({ ...base, cpu: "256", memory: "512", executionRoleArn: undefined })))).message).toMatch(/execution role/);
    // The documented pairs are accepted, units included.
    for (const [cpu, memory] of [["1024", "8192"], ["2048", "5120"], ["8192", "20480"], ["1 vCPU", "2 GB"]]) {
      await ecs.send(new RegisterTaskDefinitionCommand({ ...base, cpu, memory }));
    }
    expect((await failure(ecs.send(new RegisterTaskDefinitionCommand({ ...base, cpu: "8192", memory: "18432" })))).message).toMatch(/No Fargate configuration/);
  });
});

async function describeService(ecs: Awaited<ReturnType<typeof setup>>["ecs"], name = "api"): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster: "c1", services: [name], include: ["TAGS"] }))).services![0];
}

describe("ECS services", () => {
  it("starts tasks over simulated time, spread over both AZs, registers targets, reaches a steady state", async () => {
    const { sandbox, ecs, ec2, net, subnets, wait } = await setup();
    const td = await register(ecs);
    const tg = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/0123456789abcdef";
    const input = {
      cluster: "c1",
      serviceName: "api",
      taskDefinition: td.taskDefinitionArn,
      desiredCount: 2,
      launchType: "FARGATE" as const,
      platformVersion: "LATEST",
      networkConfiguration: net,
      loadBalancers: [{ targetGroupArn: tg, containerName: "app", containerPort: 3000 }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, minimumHealthyPercent: 100, maximumPercent: 200 },
      healthCheckGracePeriodSeconds: 60,
      propagateTags: "SERVICE" as const,
      enableECSManagedTags: true,
      clientToken: "tok-1",
      tags: [{ key: "opsctl:node", value: "ecs-service:api" }],
    };
    const created = (await ecs.send(new CreateServiceCommand(input))).service!;
    expect(created).toMatchObject({ status: "ACTIVE", desiredCount: 2, runningCount: 0, serviceArn: "arn:aws:ecs:eu-west-1:123456789012:service/c1/api" });
    expect(created.deployments![0]).toMatchObject({ status: "PRIMARY", rolloutState: "IN_PROGRESS" });
    // Same token, same request → the same service.
    expect((await ecs.send(new CreateServiceCommand(input))).service!.serviceArn).toBe(created.serviceArn);
    expect((await failure(ecs.send(new CreateServiceCommand({ ...input, clientToken: "tok-2" })))).message).toBe("Creation of service was not idempotent.");

    const tasks = await ecs.send(new ListTasksCommand({ cluster: "c1", serviceName: "api" }));
    expect(tasks.taskArns).toHaveLength(2);
    const early = (await ecs.send(new DescribeTasksCommand({ cluster: "c1", tasks: tasks.taskArns }))).tasks!;
    expect(early.map((t) => t.lastStatus)).toEqual(["PROVISIONING", "PROVISIONING"]);
    expect(new Set(early.map((t) => t.availabilityZone))).toEqual(new Set(["eu-west-1a", "eu-west-1b"]));
    const enis = early.map((t) => t.attachments![0].details!.find((d) => d.name === "networkInterfaceId")!.value!);
    const described = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: enis }));
    expect(described.NetworkInterfaces!.map((e) => e.SubnetId).sort()).toEqual([...subnets].sort());
    expect(early.map((t) => t.containers![0].networkInterfaces![0].privateIpv4Address).every((ip) => /^10\.0\.[12]\.\d+$/.test(ip!))).toBe(true);

    await wait(90 * S);
    let s = await describeService(ecs);
    expect(s.runningCount).toBe(2);
    expect(s.deployments![0].rolloutState).toBe("IN_PROGRESS");
    const rows = sandbox.records("eu-west-1", "elbv2", "targets");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ TargetGroupArn: tg, Port: 3000, State: "initial" });
    expect(rows.map((r) => r.Id).sort()).toEqual(early.map((t) => t.containers![0].networkInterfaces![0].privateIpv4Address).sort());

    await wait(240 * S);
    s = await describeService(ecs);
    expect(s.deployments).toHaveLength(1);
    expect(s.deployments![0]).toMatchObject({ rolloutState: "COMPLETED", runningCount: 2, desiredCount: 2 });
    expect(s.events![0].message).toBe("(service api) has reached a steady state.");
    expect(s.tags).toEqual([{ key: "opsctl:node", value: "ecs-service:api" }]);
    const running = (await ecs.send(new DescribeTasksCommand({ cluster: "c1", tasks: tasks.taskArns, include: ["TAGS"] }))).tasks!;
    expect(running.every((t) => t.lastStatus === "RUNNING" && t.group === "service:api")).toBe(true);
    expect(running[0].tags).toEqual([{ key: "opsctl:node", value: "ecs-service:api" }]);

    // Scale to 0: the tasks drain, the targets go draining, the ENIs go.
    await ecs.send(new UpdateServiceCommand({ cluster: "c1", service: "api", desiredCount: 0 }));
    expect(sandbox.records("eu-west-1", "elbv2", "targets").every((r) => r.State === "draining" && r._goneAt > 0)).toBe(true);
    await wait(60 * S);
    expect((await describeService(ecs)).runningCount).toBe(0);
    expect((await ecs.send(new DescribeTasksCommand({ cluster: "c1", tasks: tasks.taskArns }))).tasks!.every((t) => t.lastStatus === "DEACTIVATING")).toBe(true);
    await wait(120 * S);
    const stopped = (await ecs.send(new DescribeTasksCommand({ cluster: "c1", tasks: tasks.taskArns }))).tasks!;
    expect(stopped.every((t) => t.lastStatus === "STOPPED" && t.stopCode === "ServiceSchedulerInitiated")).toBe(true);
    expect((await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces).toEqual([]);

    const del = await ecs.send(new DeleteServiceCommand({ cluster: "c1", service: "api" }));
    expect(del.service!.status).toBe("DRAINING");
    await wait(11 * S);
    expect((await describeService(ecs)).status).toBe("INACTIVE");
  });

  it("a failing image trips the circuit breaker: FAILED with no previous deployment, rollback to the previous one otherwise", async () => {
    const { ecs, net, wait } = await setup();
    const bad = await register(ecs, "public.ecr.aws/x/app:fail");
    const cfg = { deploymentCircuitBreaker: { enable: true, rollback: true }, minimumHealthyPercent: 100, maximumPercent: 200 };
    await ecs.send(new CreateServiceCommand({ cluster: "c1", serviceName: "api", taskDefinition: bad.taskDefinitionArn, desiredCount: 2, networkConfiguration: net, deploymentConfiguration: cfg }));
    await wait(400 * S);
    let s = await describeService(ecs);
    expect(s.deployments).toHaveLength(1);
    expect(s.deployments![0]).toMatchObject({ status: "PRIMARY", rolloutState: "FAILED", runningCount: 0 });
    expect(s.deployments![0].failedTasks).toBeGreaterThanOrEqual(3);
    expect(s.events!.some((e) => /deployment failed: tasks failed to start/.test(e.message!))).toBe(true);
    const stoppedArns = (await ecs.send(new ListTasksCommand({ cluster: "c1", serviceName: "api", desiredStatus: "STOPPED" }))).taskArns!;
    const stopped = (await ecs.send(new DescribeTasksCommand({ cluster: "c1", tasks: stoppedArns }))).tasks!;
    expect(stopped.some((t) => t.containers![0].exitCode === 1 && t.stopCode === "EssentialContainerExited")).toBe(true);
    await wait(600 * S);
    expect((await describeService(ecs)).runningCount).toBe(0);

    // A good revision completes; a bad one after it rolls back to it.
    const good = await register(ecs);
    await ecs.send(new UpdateServiceCommand({ cluster: "c1", service: "api", taskDefinition: good.taskDefinitionArn }));
    await wait(300 * S);
    s = await describeService(ecs);
    expect(s.deployments![0]).toMatchObject({ rolloutState: "COMPLETED", runningCount: 2, taskDefinition: good.taskDefinitionArn });
    const worse = await register(ecs, "x", { command: ["false"] });
    await ecs.send(new UpdateServiceCommand({ cluster: "c1", service: "api", taskDefinition: worse.taskDefinitionArn }));
    await wait(200 * S);
    s = await describeService(ecs);
    expect(s.taskDefinition).toBe(good.taskDefinitionArn);
    expect(s.deployments!.find((d) => d.taskDefinition === worse.taskDefinitionArn)?.rolloutState).toBe("FAILED");
    expect(s.runningCount).toBe(2);
    await wait(600 * S);
    s = await describeService(ecs);
    expect(s.deployments).toHaveLength(1);
    expect(s.deployments![0]).toMatchObject({ taskDefinition: good.taskDefinitionArn, rolloutState: "COMPLETED" });
  });

  it("answers MISSING, refuses deleting a scaled service without force, not-ACTIVE updates", async () => {
    const { ecs, net } = await setup();
    const td = await register(ecs);
    const d = await ecs.send(new DescribeServicesCommand({ cluster: "c1", services: ["ghost"] }));
    expect(d.failures).toEqual([{ arn: "arn:aws:ecs:eu-west-1:123456789012:service/c1/ghost", reason: "MISSING" }]);
    await ecs.send(new CreateServiceCommand({ cluster: "c1", serviceName: "api", taskDefinition: td.taskDefinitionArn, desiredCount: 1, networkConfiguration: net }));
    expect((await failure(ecs.send(new DeleteServiceCommand({ cluster: "c1", service: "api" })))).name).toBe("InvalidParameterException");
    await ecs.send(new DeleteServiceCommand({ cluster: "c1", service: "api", force: true }));
    expect((await failure(ecs.send(new UpdateServiceCommand({ cluster: "c1", service: "api", desiredCount: 2 })))).name).toBe("ServiceNotActiveException");
    expect((await failure(ecs.send(new UpdateServiceCommand({ cluster: "c1", service: "nope", desiredCount: 2 })))).name).toBe("ServiceNotFoundException");
    expect((await failure(ecs.send(new CreateServiceCommand({ cluster: "c1", serviceName: "x", taskDefinition: td.taskDefinitionArn, desiredCount: 1 })))).message).toMatch(/Network Configuration must be provided/);
  });
});

describe("ECS one-off tasks", () => {
  it("RunTask runs to completion with exit code 0, writes its log, is idempotent by clientToken", async () => {
    const { ecs, logs, net, wait } = await setup();
    const td = await register(ecs);
    const input = {
      cluster: "c1",
      taskDefinition: td.taskDefinitionArn,
      launchType: "FARGATE" as const,
      networkConfiguration: net,
      overrides: { containerOverrides: [{ name: "app", command: ["node", "dist/bootstrap-db.js"] }] },
      startedBy: "opsctl-bootstrap",
      clientToken: "run-1",
      tags: [{ key: "opsctl:node", value: "ecs-one-off-task:db" }],
    };
    const r = await ecs.send(new RunTaskCommand(input));
    expect(r.tasks).toHaveLength(1);
    const arn = r.tasks![0].taskArn!;
    expect(r.tasks![0]).toMatchObject({ lastStatus: "PROVISIONING", desiredStatus: "RUNNING", startedBy: "opsctl-bootstrap", group: "family:api" });
    expect((await ecs.send(new RunTaskCommand(input))).tasks![0].taskArn).toBe(arn);
    await wait(70 * S);
    expect((await ecs.send(new DescribeTasksCommand({ cluster: "c1", tasks: [arn] }))).tasks![0].lastStatus).toBe("RUNNING");
    await wait(60 * S);
    const t = (await ecs.send(new DescribeTasksCommand({ cluster: "c1", tasks: [arn] }))).tasks![0];
    expect(t).toMatchObject({ lastStatus: "STOPPED", stopCode: "EssentialContainerExited" });
    expect(t.containers![0].exitCode).toBe(0);
    expect((await ecs.send(new ListTasksCommand({ cluster: "c1", startedBy: "opsctl-bootstrap", desiredStatus: "STOPPED" }))).taskArns).toEqual([arn]);
    const id = arn.split("/").pop();
    const ev = await logs.send(new GetLogEventsCommand({ logGroupName: "/app", logStreamName: `api/app/${id}` }));
    expect(ev.events!.map((e) => e.message)).toEqual(["starting public.ecr.aws/docker/library/node:22 with command: node dist/bootstrap-db.js", expect.stringMatching(/^app is up/), "done", "process exited with code 0"]);
    // Tags of the task, through the tag API.
    expect((await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([{ key: "opsctl:node", value: "ecs-one-off-task:db" }]);
    await ecs.send(new TagResourceCommand({ resourceArn: td.taskDefinitionArn, tags: [{ key: "done", value: "yes" }] }));
    expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: td.taskDefinitionArn, include: ["TAGS"] }))).tags).toContainEqual({ key: "done", value: "yes" });
  });

  it("a failing command exits 1; StopTask stops a running task; missing tasks are MISSING", async () => {
    const { ecs, logs, net, wait } = await setup();
    const td = await register(ecs);
    const r = await ecs.send(new RunTaskCommand({ cluster: "c1", taskDefinition: "api", networkConfiguration: net, overrides: { containerOverrides: [{ name: "app", command: ["node", "--fail"] }] } }));
    const arn = r.tasks![0].taskArn!;
    await wait(200 * S);
    const t = (await ecs.send(new DescribeTasksCommand({ cluster: "c1", tasks: [arn, "0123"] })));
    expect(t.tasks![0].containers![0].exitCode).toBe(1);
    expect(t.failures).toEqual([{ arn: "arn:aws:ecs:eu-west-1:123456789012:task/c1/0123", reason: "MISSING" }]);
    const ev = await logs.send(new GetLogEventsCommand({ logGroupName: "/app", logStreamName: `api/app/${arn.split("/").pop()}`, limit: 2 }));
    expect(ev.events!.map((e) => e.message)).toEqual(["Error: node --fail failed", "process exited with code 1"]);

    const long = await ecs.send(new RunTaskCommand({ cluster: "c1", taskDefinition: td.taskDefinitionArn, networkConfiguration: net }));
    await wait(70 * S);
    await ecs.send(new StopTaskCommand({ cluster: "c1", task: long.tasks![0].taskArn, reason: "test" }));
    await wait(31 * S);
    const s = (await ecs.send(new DescribeTasksCommand({ cluster: "c1", tasks: [long.tasks![0].taskArn!] }))).tasks![0];
    expect(s).toMatchObject({ lastStatus: "STOPPED", stopCode: "UserInitiated", stoppedReason: "test" });
  });

  it("a task whose log group is missing fails to start", async () => {
    const { ecs, net, wait } = await setup();
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "nolog",
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        cpu: "256",
        memory: "512",
        executionRoleArn: "arn:aws:iam::123456789012:role/e",
        containerDefinitions: [app("img", { logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/missing", "awslogs-stream-prefix": "x" } } })],
      }),
    );
    const r = await ecs.send(new RunTaskCommand({ cluster: "c1", taskDefinition: "nolog", networkConfiguration: net }));
    await wait(120 * S);
    const t = (await ecs.send(new DescribeTasksCommand({ cluster: "c1", tasks: [r.tasks![0].taskArn!] }))).tasks![0];
    expect(t).toMatchObject({ lastStatus: "STOPPED", stopCode: "TaskFailedToStart" });
    expect(t.stoppedReason).toMatch(/ResourceInitializationError.*log group does not exist/);
  });
});
