import type { Config } from "../src/config/schema.js";
import { planSubnets, ipv6Subnet64 } from "../src/config/cidr.js";
import { UNKNOWN, node, ref, type PlanRefs } from "../src/engine/plan.js";
import type { Facts } from "../src/resources/context.js";
import { vpc } from "../src/resources/vpc.js";
import { subnet } from "../src/resources/subnet.js";
import { internetGateway } from "../src/resources/internet-gateway.js";
import { elasticIp } from "../src/resources/elastic-ip.js";
import { natGateway } from "../src/resources/nat-gateway.js";
import { routeTable, type RouteSpec } from "../src/resources/route-table.js";
import { vpcEndpoint } from "../src/resources/vpc-endpoint.js";
import { networkAcl, type AclEntrySpec } from "../src/resources/network-acl.js";
import { logGroup, logGroupName } from "../src/resources/log-group.js";
import { iamRole } from "../src/resources/iam-role.js";
import { flowLog } from "../src/resources/flow-log.js";
import { securityGroup, securityGroupRules, defaultSecurityGroup, type SgRuleSpec } from "../src/resources/security-group.js";
import { secret } from "../src/resources/secret.js";
import { keyPair } from "../src/resources/key-pair.js";
import { instance } from "../src/resources/instance.js";
import { instanceProfile } from "../src/resources/instance-profile.js";
import { generateSshKeyPair } from "../src/resources/ssh-key.js";
import { APP_PORT, bucketName, sshKeySecretName, type Node } from "./names.js";

export { APP_PORT, bucketName, sshKeySecretName, type Node } from "./names.js";

/** The subnet node of a tier and zone letter (`subnet:public-a` …). */
const subnetRef = (name: string) => ref(subnet, `subnet:${name}`);
const ANY4 = "0.0.0.0/0";
const ANY6 = "::/0";

/**
 * The network layer: NET-01..NET-10, SG-01..SG-06, BAS-01..BAS-02.
 * A pure function of the config and the facts read before planning.
 */
export function networkNodes(config: Config, facts: Facts): Node[] {
  const env = config.env;
  const subnets = planSubnets(config.network.vpcCidr);
  const azLetter = ["a", "b"] as const;
  const nodes: Node[] = [];
  const vpcMain = node(vpc, "vpc:main", () => ({ cidr: config.network.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true }), ["NET-01", "NET-03", "NET-10"]);
  const vpcId = (r: PlanRefs) => r.id(vpcMain);

  nodes.push(vpcMain);

  for (const s of subnets) {
    nodes.push(
      node(subnet, `subnet:${s.name}`, (r) => {
        const v6 = r.out(vpcMain).ipv6Cidr;
        return {
          vpcId: vpcId(r),
          cidr: s.cidr,
          ipv6Cidr: typeof v6 === "string" && v6 !== UNKNOWN ? ipv6Subnet64(v6, s.ipv6Index) : UNKNOWN,
          availabilityZone: facts.azs[s.az],
          mapPublicIpOnLaunch: s.tier === "public",
        };
      }, s.tier === "public" ? ["NET-02", "NET-04"] : s.tier === "isolated" ? ["NET-02", "NET-06"] : ["NET-02"]),
    );
  }

  const igw = node(internetGateway, "internet-gateway:main", (r) => ({ vpcId: vpcId(r) }), ["NET-04"]);
  nodes.push(igw);

  const natAzs = config.network.natMode === "per-az" ? azLetter : (["a"] as const);
  for (const az of natAzs) {
    const eip = node(elasticIp, `elastic-ip:nat-${az}`, () => ({}), ["NET-05"]);
    nodes.push(eip);
    nodes.push(
      node(natGateway, `nat-gateway:${az}`, (r) => ({
        subnetId: r.id(subnetRef(`public-${az}`)),
        allocationId: r.id(eip),
      }), ["NET-05"], [igw]),
    );
  }

  nodes.push(
    node(routeTable, "route-table:public", (r) => ({
      vpcId: vpcId(r),
      routes: [
        { destination: ANY4, gatewayId: r.id(igw) },
        { destination: ANY6, gatewayId: r.id(igw) },
      ] satisfies RouteSpec[],
      subnetIds: [r.id(subnetRef("public-a")), r.id(subnetRef("public-b"))],
    }), ["NET-04"]),
  );
  for (const az of azLetter) {
    const nat = ref(natGateway, `nat-gateway:${natAzs.includes(az as never) ? az : "a"}`);
    nodes.push(
      node(routeTable, `route-table:private-${az}`, (r) => ({
        vpcId: vpcId(r),
        routes: [{ destination: ANY4, natGatewayId: r.id(nat) }] satisfies RouteSpec[],
        subnetIds: [r.id(subnetRef(`private-${az}`))],
      }), ["NET-05"]),
    );
  }
  nodes.push(
    node(routeTable, "route-table:isolated", (r) => ({
      vpcId: vpcId(r),
      routes: [],
      subnetIds: [r.id(subnetRef("isolated-a")), r.id(subnetRef("isolated-b"))],
    }), ["NET-06"]),
  );

  const projectBuckets = `arn:aws:s3:::${bucketName(config, "*", facts)}`;
  nodes.push(
    node(vpcEndpoint, "vpc-endpoint:s3", (r) => ({
      vpcId: vpcId(r),
      serviceName: `com.amazonaws.${facts.region}.s3`,
      routeTableIds: [r.id(ref(routeTable, "route-table:private-a")), r.id(ref(routeTable, "route-table:private-b")), r.id(ref(routeTable, "route-table:isolated"))],
      policy: {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ProjectBuckets",
            Effect: "Allow",
            Principal: "*",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:AbortMultipartUpload"],
            Resource: [projectBuckets, `${projectBuckets}/*`],
          },
          {
            // ECR stores image layers in this AWS-owned bucket; Fargate pulls them through the endpoint.
            Sid: "EcrImageLayers",
            Effect: "Allow",
            Principal: "*",
            Action: ["s3:GetObject"],
            Resource: [`arn:aws:s3:::prod-${facts.region}-starport-layer-bucket/*`],
          },
        ],
      },
    }), ["NET-07"]),
  );

  for (const tier of ["public", "private", "isolated"] as const) {
    nodes.push(
      node(networkAcl, `network-acl:${tier}`, (r) => ({
        vpcId: vpcId(r),
        subnetIds: [r.id(subnetRef(`${tier}-a`)), r.id(subnetRef(`${tier}-b`))],
        entries: aclEntries(tier, config.network.vpcCidr, String(r.out(vpcMain).ipv6Cidr), config.bastion.allowedCidrs),
      }), ["NET-08"]),
    );
  }

  const flowGroup = logGroupName(env, "flow-logs");
  const flowLogGroup = node(logGroup, "log-group:flow-logs", () => ({ name: flowGroup, retentionDays: config.network.flowLogRetentionDays }), ["NET-09", "MON-01"]);
  nodes.push(flowLogGroup);
  const flowRole = node(iamRole, "iam-role:flow-logs", (r) => {
      const arn = String(r.out(flowLogGroup).arn);
      return {
        name: `${env}-flow-logs`,
        description: `opsctl ${env}: VPC flow logs delivery to ${flowGroup}`,
        assumeRolePolicy: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "vpc-flow-logs.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: {
                StringEquals: { "aws:SourceAccount": facts.accountId },
                ArnLike: { "aws:SourceArn": `arn:aws:ec2:${facts.region}:${facts.accountId}:vpc-flow-log/*` },
              },
            },
          ],
        },
        inlinePolicies: {
          "deliver-flow-logs": {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [arn, `${arn}:*`] }],
          },
        },
      };
    }, ["IAM-03", "NET-09"]);
  nodes.push(flowRole);
  nodes.push(
    node(flowLog, "flow-log:vpc", (r) => ({
      vpcId: vpcId(r),
      logGroupName: flowGroup,
      roleArn: String(r.out(flowRole).arn),
    }), ["NET-09"], [flowLogGroup]),
  );

  // The groups wait only for the VPC; the rules naming another group are their own nodes (SG-02..SG-04).
  const sg = (name: string, description: string, rules: { ingress: SgRuleSpec[]; egress: SgRuleSpec[] }, controls: string[], peerRulesElsewhere = false) =>
    node(securityGroup, `security-group:${name}`, (r) => ({ vpcId: vpcId(r), groupName: `${env}-${name}`, description, ...rules, peerRulesElsewhere }), controls);
  const sgRef = (name: string) => ref(securityGroup, `security-group:${name}`);
  // The peer groups are the ones `ingress` reads.
  const peerRules = (name: string, ingress: (r: PlanRefs) => SgRuleSpec[], controls: string[]) =>
    node(securityGroupRules, `security-group-rule:${name}`, (r) => ({ groupId: r.id(sgRef(name)), ingress: ingress(r), egress: [] }), controls);
  const allOut: SgRuleSpec[] = [{ protocol: "-1", cidr: ANY4, description: "all outbound" }];
  nodes.push(
    sg("alb", `opsctl ${env}: load balancer`, {
      ingress: [80, 443].flatMap((p) => [ANY4, ANY6].map((cidr) => ({ protocol: "tcp", from: p, to: p, cidr, description: `HTTP${p === 443 ? "S" : ""} from anywhere` }))),
      // Only to the app port inside the VPC (naming the ECS group here would make a cycle: it names this one).
      egress: [{ protocol: "tcp", from: APP_PORT, to: APP_PORT, cidr: config.network.vpcCidr, description: "to the app port of the ECS tasks" }],
    }, ["SG-01"]),
    sg("ecs", `opsctl ${env}: ECS tasks`, { ingress: [], egress: allOut }, ["SG-02"], true),
    peerRules("ecs", (r) => [{ protocol: "tcp", from: APP_PORT, to: APP_PORT, groupId: r.id(sgRef("alb")), description: "app port from the ALB" }], ["SG-02"]),
    sg("bastion", `opsctl ${env}: bastion`, {
      ingress: config.bastion.allowedCidrs.map((cidr) => ({ protocol: "tcp", from: 22, to: 22, cidr, description: "SSH from an allowed network" })),
      egress: allOut,
    }, ["SG-05", "BAS-01"]),
    sg("rds", `opsctl ${env}: RDS MySQL`, { ingress: [], egress: [] }, ["SG-03"], true),
    peerRules("rds", (r) => [
      { protocol: "tcp", from: 3306, to: 3306, groupId: r.id(sgRef("ecs")), description: "MySQL from the ECS tasks" },
      { protocol: "tcp", from: 3306, to: 3306, groupId: r.id(sgRef("bastion")), description: "MySQL from the bastion" },
    ], ["SG-03"]),
    sg("redis", `opsctl ${env}: ElastiCache Redis`, { ingress: [], egress: [] }, ["SG-04"], true),
    peerRules("redis", (r) => [{ protocol: "tcp", from: 6379, to: 6379, groupId: r.id(sgRef("ecs")), description: "Redis from the ECS tasks" }], ["SG-04"]),
  );
  nodes.push(node(defaultSecurityGroup, "default-security-group:main", (r) => ({ vpcId: vpcId(r) }), ["SG-06"]));

  const sshKey = node(secret, "secret:bastion-ssh-key", () => ({
      name: sshKeySecretName(env),
      description: `opsctl ${env}: bastion ED25519 SSH key (fetch it with \`opsctl ssh-key\`)`,
      generate: () => JSON.stringify(generateSshKeyPair(`${env}-bastion`)),
      // (A `recoveryWindowDays: 7` stood here: no field of the secret kind, so it was never applied;
      // `down` uses storage.secretRecoveryWindowDays for every secret. Caught by the typed builder.)
    }), ["BAS-02"]);
  nodes.push(sshKey);
  const bastionKey = node(keyPair, "key-pair:bastion", (r) => ({ keyName: `${env}-bastion`, secretArn: String(r.out(sshKey).arn) }), ["BAS-02"]);
  nodes.push(bastionKey);
  // IAM-03: the bastion's role lets Session Manager reach it (no inbound port needed for that).
  const bastionRole = node(iamRole, "iam-role:bastion", () => ({
      name: `${env}-bastion`,
      description: `opsctl ${env}: bastion instance role (IAM-03)`,
      assumeRolePolicy: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": facts.accountId } } }],
      },
      inlinePolicies: {},
      managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
    }), ["IAM-03"]);
  nodes.push(bastionRole);
  const bastionProfile = node(instanceProfile, "instance-profile:bastion", () => ({ name: `${env}-bastion`, roleName: `${env}-bastion` }), ["IAM-03"], [bastionRole]);
  nodes.push(bastionProfile);
  nodes.push(
    node(instance, "instance:bastion", (r) => ({
      imageId: facts.bastionAmi,
      instanceType: config.bastion.instanceType,
      subnetId: r.id(subnetRef("public-a")),
      securityGroupIds: [r.id(sgRef("bastion"))],
      keyName: String(r.out(bastionKey).name),
      rootVolumeGiB: 8,
      instanceProfileArn: String(r.out(bastionProfile).arn),
    }), ["BAS-01", "IAM-03"], [ref(routeTable, "route-table:public")]),
  );
  return nodes;
}

/** NET-08: stateless rules per tier; return traffic needs the ephemeral ports. */
export function aclEntries(tier: "public" | "private" | "isolated", vpcCidr: string, vpcIpv6: string, bastionCidrs: string[]): AclEntrySpec[] {
  const e: AclEntrySpec[] = [];
  const add = (ruleNumber: number, egress: boolean, protocol: string, cidr: string, from?: number, to?: number) => e.push({ ruleNumber, egress, protocol, allow: true, cidr, from, to });
  const both = (rule: number, egress: boolean, protocol: string, from?: number, to?: number) => {
    add(rule, egress, protocol, ANY4, from, to);
    add(rule + 1, egress, protocol, ANY6, from, to);
  };
  const vpcAll = (rule: number, egress: boolean) => {
    add(rule, egress, "-1", vpcCidr);
    if (vpcIpv6 && vpcIpv6 !== UNKNOWN) add(rule + 1, egress, "-1", vpcIpv6);
  };
  if (tier === "public") {
    both(100, false, "6", 80, 80);
    both(110, false, "6", 443, 443);
    both(120, false, "6", 1024, 65535);
    vpcAll(130, false);
    bastionCidrs.forEach((c, i) => add(140 + i, false, "6", c, 22, 22));
    both(100, true, "-1");
  } else if (tier === "private") {
    vpcAll(100, false);
    both(110, false, "6", 1024, 65535);
    vpcAll(100, true);
    both(110, true, "6", 443, 443);
    both(120, true, "6", 465, 465);
    both(130, true, "6", 587, 587);
  } else {
    vpcAll(100, false);
    vpcAll(100, true);
  }
  return e;
}
