import { DescribeAvailabilityZonesCommand, paginateDescribeVpcs, type EC2Client } from "@aws-sdk/client-ec2";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { AwsClients } from "../aws/clients.js";
import type { Config } from "../config/schema.js";
import { InputError } from "../engine/errors.js";
import { isCode, isNotFound } from "../aws/errors.js";
import { overlaps4, parseCidr4 } from "../config/cidr.js";
import type { Facts } from "./context.js";
import { collect, ofEnv, tagValue } from "./toolkit.js";

/** Graviton instance families (the letter g after the generation) need the arm64 AMI. */
export function isArmInstanceType(type: string): boolean {
  return /^[a-z]+\d+[a-z]*g[a-z]*\./.test(type);
}

/**
 * The IAM principal ARN that policies can name: STS reports an assumed role as
 * `arn:aws:sts::<account>:assumed-role/<role>/<session>`, while `aws:PrincipalArn` is the role's ARN.
 */
export function principalArn(callerArn: string): string {
  const m = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/(.+)\/[^/]+$/.exec(callerArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : callerArn;
}

/** Reads what the plan needs from the account before anything is planned: 3 calls in parallel. */
export async function gatherFacts(aws: AwsClients, config: Config): Promise<Facts> {
  const [sts, ec2, ssm] = await Promise.all([aws.get("sts"), aws.get("ec2"), aws.get("ssm")]);
  const arch = isArmInstanceType(config.bastion.instanceType) ? "arm64" : "x86_64";
  const [who, zones, ami] = await Promise.all([
    sts.send(new GetCallerIdentityCommand({})),
    config.network.availabilityZones ? checkZones(ec2, config.network.availabilityZones) : ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: "state", Values: ["available"] }, { Name: "zone-type", Values: ["availability-zone"] }] })),
    // The public SSM parameter always names the current Amazon Linux 2023 AMI of the region.
    ssm.send(new GetParameterCommand({ Name: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}` })),
  ]);
  const azs = config.network.availabilityZones ?? (zones?.AvailabilityZones ?? []).map((z) => z.ZoneName!).sort().slice(0, 2);
  if (azs.length < 2) throw new InputError("region", `${config.region} has fewer than 2 available zones`, "choose another region");
  return { accountId: who.Account!, region: config.region, azs: [azs[0], azs[1]], bastionAmi: ami.Parameter!.Value!, callerArn: principalArn(who.Arn!) };
}

/** The configured zones must exist in the region and be available (else CreateSubnet fails after other writes). */
async function checkZones(ec2: EC2Client, names: string[]): Promise<undefined> {
  let zones;
  try {
    zones = (await ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: names }))).AvailabilityZones ?? [];
  } catch (e) {
    if (isCode(e, "InvalidParameterValue")) throw new InputError("network.availabilityZones", (e as Error).message, "use zones that DescribeAvailabilityZones lists for the region, or leave the field out");
    throw e;
  }
  for (const n of names) {
    const z = zones.find((x) => x.ZoneName === n);
    if (!z) throw new InputError("network.availabilityZones", `${n} does not exist in this region`, "use zones that DescribeAvailabilityZones lists for the region, or leave the field out");
    if (z.State !== "available") throw new InputError("network.availabilityZones", `${n} is ${z.State}`, "use available zones, or leave the field out");
  }
  return undefined;
}

/**
 * The data layer's facts: RDS-01's version and RDS-09's log exports (see mysqlFacts: looked up
 * with DescribeDBEngineVersions only when `lookupVersion`, i.e. for plan and up), and the bucket
 * names (S3-01..03), validated before any write.
 */
export async function gatherDataFacts(aws: AwsClients, config: Config, facts: Facts, lookupVersion = true): Promise<{ mysqlVersion: string; logExports: string[] }> {
  const { mysqlFacts } = await import("./mysql-engine-version.js");
  const { bucketNameFor } = await import("./bucket.js");
  for (const purpose of ["app", "logs", "web"]) bucketNameFor(config.storage.bucketPrefix, config.env, purpose, facts.accountId, facts.region);
  return mysqlFacts({ aws }, { identifier: `${config.env}-main`, env: config.env, pin: config.database.engineVersion, lookup: lookupVersion });
}

/**
 * NET-10, checked live before any write: the VPC CIDR must not overlap any
 * other VPC of the account in the region (opsctl's own VPC of this env excepted).
 */
export async function checkCidrOverlap(aws: AwsClients, config: Config): Promise<void> {
  const ec2 = await aws.get("ec2");
  const mine = parseCidr4(config.network.vpcCidr);
  const vpcs = await collect(paginateDescribeVpcs({ client: ec2 }, {}), (p) => p.Vpcs);
  for (const v of vpcs) {
    if (ofEnv(config, v.Tags)) continue;
    const blocks = (v.CidrBlockAssociationSet ?? []).filter((b) => b.CidrBlockState?.State !== "disassociated").map((b) => b.CidrBlock!);
    if (blocks.length === 0 && v.CidrBlock) blocks.push(v.CidrBlock);
    for (const b of blocks) {
      if (overlaps4(mine, parseCidr4(b))) {
        throw new InputError(
          "network.vpcCidr",
          `${config.network.vpcCidr} overlaps ${b} of ${v.VpcId}${tagValue(v.Tags, "Name") ? ` (${tagValue(v.Tags, "Name")})` : ""} in ${config.region}`,
          "choose a block that no VPC of this account and region uses (peering and VPN need distinct ranges)",
        );
      }
    }
  }
}

/**
 * ECS-05: the API image, pinned by digest. A digest reference is used as given; a tag of the
 * environment's ECR repository is resolved to its digest; with no image configured, the newest
 * image `opsctl image push` put in that repository is used. Undefined when there is none yet.
 */
export async function resolveImage(aws: AwsClients, config: Config, facts: Facts, image?: string): Promise<string | undefined> {
  const { DescribeImagesCommand } = await import("@aws-sdk/client-ecr");
  const ecr = await aws.get("ecr");
  const repo = `${config.env}-api`;
  const repoUri = `${facts.accountId}.dkr.ecr.${facts.region}.amazonaws.com/${repo}`;
  const field = "compute.image";
  if (image?.includes("@sha256:")) return image;
  if (image) {
    const [name, tag] = [image.slice(0, image.lastIndexOf(":")), image.slice(image.lastIndexOf(":") + 1)];
    if (!image.includes(":") || image.lastIndexOf(":") < image.lastIndexOf("/") || name !== repoUri) {
      throw new InputError(field, `${image} is not pinned by digest`, `use name@sha256:<digest>, or a tag of ${repoUri} (opsctl resolves those to their digest)`);
    }
    try {
      const r = await ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: tag }] }));
      const digest = r.imageDetails?.[0]?.imageDigest;
      if (digest) return `${repoUri}@${digest}`;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    throw new InputError(field, `tag ${tag} is not in ${repoUri}`, "push it with `opsctl image push`, or pass an image pinned by digest");
  }
  try {
    const r = await ecr.send(new DescribeImagesCommand({ repositoryName: repo }));
    const newest = (r.imageDetails ?? []).sort((a, b) => (b.imagePushedAt?.getTime() ?? 0) - (a.imagePushedAt?.getTime() ?? 0))[0];
    return newest?.imageDigest ? `${repoUri}@${newest.imageDigest}` : undefined;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
