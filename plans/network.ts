import type { Config } from "../src/config/schema.js";
import { planSubnets, ipv6Subnet64 } from "../src/config/cidr.js";
import { UNKNOWN, type PlanNode, type Refs } from "../src/engine/plan.js";
import type { Facts, ResourceContext } from "../src/resources/context.js";
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

/** A node of the environment plan. */
export type Node = PlanNode<ResourceContext>;

/** Port the bundled API listens on (its PORT default); the target of SG-02. */
export const APP_PORT = 3000;

/** Globally unique, stable S3 bucket name of a purpose (S3-01..03): derived from prefix, env, account and region. */
export function bucketName(config: Pick<Config, "env" | "storage">, purpose: string, facts: Pick<Facts, "accountId" | "region">): string {
  // Same layout as bucketNameFor (src/resources/bucket.ts), which also validates it; "*" makes the endpoint policy's pattern.
  return `${config.storage.bucketPrefix}-${config.env}-${purpose}-${facts.accountId}-${facts.region}`;
}

/** The secret holding the bastion's private key (BAS-02). */
export function sshKeySecretName(env: string): string {
  return `${env}/bastion/ssh-key`;
}

/** Shorthand for a plan node. */
export const node = (id: string, deps: string[], resource: Node["resource"], spec: (r: Refs) => unknown, controls: string[]): Node => ({ id, deps, resource, spec, controls });
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
  const vpcId = (r: Refs) => r.id("vpc:main");

  nodes.push(node("vpc:main", [], vpc, () => ({ cidr: config.network.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true }), ["NET-01", "NET-03", "NET-10"]));

  for (const s of subnets) {
    nodes.push(
      node(`subnet:${s.name}`, ["vpc:main"], subnet, (r) => {
        const v6 = r.out("vpc:main").ipv6Cidr;
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

  nodes.push(node("internet-gateway:main", ["vpc:main"], internetGateway, (r) => ({ vpcId: vpcId(r) }), ["NET-04"]));

  const natAzs = config.network.natMode === "per-az" ? azLetter : (["a"] as const);
  for (const az of natAzs) {
    nodes.push(node(`elastic-ip:nat-${az}`, [], elasticIp, () => ({}), ["NET-05"]));
    nodes.push(
      node(`nat-gateway:${az}`, [`subnet:public-${az}`, `elastic-ip:nat-${az}`, "internet-gateway:main"], natGateway, (r) => ({
        subnetId: r.id(`subnet:public-${az}`),
        allocationId: r.id(`elastic-ip:nat-${az}`),
      }), ["NET-05"]),
    );
  }

  nodes.push(
    node("route-table:public", ["vpc:main", "internet-gateway:main", "subnet:public-a", "subnet:public-b"], routeTable, (r) => ({
      vpcId: vpcId(r),
      routes: [
        { destination: ANY4, gatewayId: r.id("internet-gateway:main") },
        { destination: ANY6, gatewayId: r.id("internet-gateway:main") },
      ] satisfies RouteSpec[],
      subnetIds: [r.id("subnet:public-a"), r.id("subnet:public-b")],
    }), ["NET-04"]),
  );
  for (const az of azLetter) {
    const nat = `nat-gateway:${natAzs.includes(az as never) ? az : "a"}`;
    nodes.push(
      node(`route-table:private-${az}`, ["vpc:main", nat, `subnet:private-${az}`], routeTable, (r) => ({
        vpcId: vpcId(r),
        routes: [{ destination: ANY4, natGatewayId: r.id(nat) }] satisfies RouteSpec[],
        subnetIds: [r.id(`subnet:private-${az}`)],
      }), ["NET-05"]),
    );
  }
  nodes.push(
    node("route-table:isolated", ["vpc:main", "subnet:isolated-a", "subnet:isolated-b"], routeTable, (r) => ({
      vpcId: vpcId(r),
      routes: [],
      subnetIds: [r.id("subnet:isolated-a"), r.id("subnet:isolated-b")],
    }), ["NET-06"]),
  );

  const projectBuckets = `arn:aws:s3:::${bucketName(config, "*", facts)}`;
  nodes.push(
    node("vpc-endpoint:s3", ["vpc:main", "route-table:private-a", "route-table:private-b", "route-table:isolated"], vpcEndpoint, (r) => ({
      vpcId: vpcId(r),
      serviceName: `com.amazonaws.${facts.region}.s3`,
      routeTableIds: [r.id("route-table:private-a"), r.id("route-table:private-b"), r.id("route-table:isolated")],
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
      node(`network-acl:${tier}`, ["vpc:main", `subnet:${tier}-a`, `subnet:${tier}-b`], networkAcl, (r) => ({
        vpcId: vpcId(r),
        subnetIds: [r.id(`subnet:${tier}-a`), r.id(`subnet:${tier}-b`)],
        entries: aclEntries(tier, config.network.vpcCidr, String(r.out("vpc:main").ipv6Cidr), config.bastion.allowedCidrs),
      }), ["NET-08"]),
    );
  }

  const flowGroup = logGroupName(env, "flow-logs");
  nodes.push(node("log-group:flow-logs", [], logGroup, () => ({ name: flowGroup, retentionDays: config.network.flowLogRetentionDays }), ["NET-09", "MON-01"]));
  nodes.push(
    node("iam-role:flow-logs", ["log-group:flow-logs"], iamRole, (r) => {
      const arn = String(r.out("log-group:flow-logs").arn);
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
    }, ["IAM-03", "NET-09"]),
  );
  nodes.push(
    node("flow-log:vpc", ["vpc:main", "log-group:flow-logs", "iam-role:flow-logs"], flowLog, (r) => ({
      vpcId: vpcId(r),
      logGroupName: flowGroup,
      roleArn: String(r.out("iam-role:flow-logs").arn),
    }), ["NET-09"]),
  );

  // The groups wait only for the VPC; the rules naming another group are their own nodes (SG-02..SG-04).
  const sg = (name: string, description: string, rules: { ingress: SgRuleSpec[]; egress: SgRuleSpec[] }, controls: string[], peerRulesElsewhere = false) =>
    node(`security-group:${name}`, ["vpc:main"], securityGroup, (r) => ({ vpcId: vpcId(r), groupName: `${env}-${name}`, description, ...rules, peerRulesElsewhere }), controls);
  const peerRules = (name: string, peers: string[], ingress: (r: Refs) => SgRuleSpec[], controls: string[]) =>
    node(`security-group-rule:${name}`, [`security-group:${name}`, ...peers.map((p) => `security-group:${p}`)], securityGroupRules, (r) => ({ groupId: r.id(`security-group:${name}`), ingress: ingress(r), egress: [] }), controls);
  const allOut: SgRuleSpec[] = [{ protocol: "-1", cidr: ANY4, description: "all outbound" }];
  nodes.push(
    sg("alb", `opsctl ${env}: load balancer`, {
      ingress: [80, 443].flatMap((p) => [ANY4, ANY6].map((cidr) => ({ protocol: "tcp", from: p, to: p, cidr, description: `HTTP${p === 443 ? "S" : ""} from anywhere` }))),
      // Only to the app port inside the VPC (naming the ECS group here would make a cycle: it names this one).
      egress: [{ protocol: "tcp", from: APP_PORT, to: APP_PORT, cidr: config.network.vpcCidr, description: "to the tasks app port" }],
    }, ["SG-01"]),
    sg("ecs", `opsctl ${env}: ECS tasks`, { ingress: [], egress: allOut }, ["SG-02"], true),
    peerRules("ecs", ["alb"], (r) => [{ protocol: "tcp", from: APP_PORT, to: APP_PORT, groupId: r.id("security-group:alb"), description: "app port from the ALB" }], ["SG-02"]),
    sg("bastion", `opsctl ${env}: bastion`, {
      ingress: config.bastion.allowedCidrs.map((cidr) => ({ protocol: "tcp", from: 22, to: 22, cidr, description: "SSH from an allowed network" })),
      egress: allOut,
    }, ["SG-05", "BAS-01"]),
    sg("rds", `opsctl ${env}: RDS MySQL`, { ingress: [], egress: [] }, ["SG-03"], true),
    peerRules("rds", ["ecs", "bastion"], (r) => [
      { protocol: "tcp", from: 3306, to: 3306, groupId: r.id("security-group:ecs"), description: "MySQL from the ECS tasks" },
      { protocol: "tcp", from: 3306, to: 3306, groupId: r.id("security-group:bastion"), description: "MySQL from the bastion" },
    ], ["SG-03"]),
    sg("redis", `opsctl ${env}: ElastiCache Redis`, { ingress: [], egress: [] }, ["SG-04"], true),
    peerRules("redis", ["ecs"], (r) => [{ protocol: "tcp", from: 6379, to: 6379, groupId: r.id("security-group:ecs"), description: "Redis from the ECS tasks" }], ["SG-04"]),
  );
  nodes.push(node("default-security-group:main", ["vpc:main"], defaultSecurityGroup, (r) => ({ vpcId: vpcId(r) }), ["SG-06"]));

  nodes.push(
    node("secret:bastion-ssh-key", [], secret, () => ({
      name: sshKeySecretName(env),
      description: `opsctl ${env}: bastion ED25519 SSH key (fetch it with \`opsctl ssh-key\`)`,
      generate: () => JSON.stringify(generateSshKeyPair(`${env}-bastion`)),
      recoveryWindowDays: 7,
    }), ["BAS-02"]),
  );
  nodes.push(node("key-pair:bastion", ["secret:bastion-ssh-key"], keyPair, (r) => ({ keyName: `${env}-bastion`, secretArn: String(r.out("secret:bastion-ssh-key").arn) }), ["BAS-02"]));
  // IAM-03: the bastion's role lets Session Manager reach it (no inbound port needed for that).
  nodes.push(
    node("iam-role:bastion", [], iamRole, () => ({
      name: `${env}-bastion`,
      description: `opsctl ${env}: bastion instance role (IAM-03)`,
      assumeRolePolicy: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": facts.accountId } } }],
      },
      inlinePolicies: {},
      managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
    }), ["IAM-03"]),
  );
  nodes.push(node("instance-profile:bastion", ["iam-role:bastion"], instanceProfile, () => ({ name: `${env}-bastion`, roleName: `${env}-bastion` }), ["IAM-03"]));
  nodes.push(
    node("instance:bastion", ["subnet:public-a", "security-group:bastion", "key-pair:bastion", "route-table:public", "instance-profile:bastion"], instance, (r) => ({
      imageId: facts.bastionAmi,
      instanceType: config.bastion.instanceType,
      subnetId: r.id("subnet:public-a"),
      securityGroupIds: [r.id("security-group:bastion")],
      keyName: String(r.out("key-pair:bastion").name),
      rootVolumeGiB: 8,
      instanceProfileArn: String(r.out("instance-profile:bastion").arn),
    }), ["BAS-01", "IAM-03"]),
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
