import type { Config } from "../src/config/schema.js";
import { hostNames } from "../src/config/load.js";
import { node, ref, type PlanRefs } from "../src/engine/plan.js";
import { loadBalancer } from "../src/resources/load-balancer.js";
import { targetGroup } from "../src/resources/target-group.js";
import { listener, DEFAULT_SSL_POLICY } from "../src/resources/listener.js";
import { certificate } from "../src/resources/certificate.js";
import { certificateValidation } from "../src/resources/certificate-validation.js";
import { dnsRecord, type AliasSpec } from "../src/resources/dns-record.js";
import { originAccessControl } from "../src/resources/origin-access-control.js";
import { distribution, webBucketPolicyStatement } from "../src/resources/distribution.js";
import { webAcl } from "../src/resources/web-acl.js";
import { trail } from "../src/resources/trail.js";
import { metricAlarm } from "../src/resources/metric-alarm.js";
import { kmsKeyIn } from "../src/resources/kms-key.js";
import { bucket, bucketArn, tlsOnlyStatement, ALB_LOG_PREFIX } from "../src/resources/bucket.js";
import type { PolicyDocument } from "../src/resources/policy.js";
import { subnet } from "../src/resources/subnet.js";
import { securityGroup } from "../src/resources/security-group.js";
import { internetGateway } from "../src/resources/internet-gateway.js";
import { routeTable } from "../src/resources/route-table.js";
import { vpc } from "../src/resources/vpc.js";
import { APP_PORT, bucketName, type Node } from "./names.js";
import type { EdgeFacts, EnvironmentFacts } from "./facts.js";

export type { EdgeFacts } from "./facts.js";

/** The CloudTrail key's policy (MON-02): the account's IAM, and CloudTrail encrypting for this account's trails. */
function trailKeyPolicy(facts: EnvironmentFacts, trailArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      // The "enable IAM policies" statement AWS requires so the key never becomes unmanageable.
      { Sid: "EnableIAMPolicies", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${facts.accountId}:root` }, Action: "kms:*", Resource: "*" },
      {
        Sid: "CloudTrailEncryptLogs",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "kms:GenerateDataKey*",
        Resource: "*",
        Condition: {
          StringEquals: { "aws:SourceArn": trailArn },
          StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${facts.accountId}:trail/*` },
        },
      },
      { Sid: "CloudTrailDescribeKey", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "kms:DescribeKey", Resource: "*" },
    ],
  };
}

/**
 * An ACM certificate validated by DNS: the request, its validation CNAME in the hosted zone, and
 * the wait for ISSUED (`certificate:<name>`, `dns-record:<name>-validation`, `certificate-validation:<name>`).
 */
function certificateNodes(name: string, host: string, region: string, zone: string, controls: string[]) {
  const cert = node(certificate, `certificate:${name}`, () => ({ domainName: host, region }), controls);
  const record = node(dnsRecord, `dns-record:${name}-validation`, (r) => ({
      hostedZoneId: zone,
      name: String(r.out(cert).validationName),
      type: "CNAME",
      ttl: 300,
      values: [String(r.out(cert).validationValue)],
    }), controls);
  const validation = node(certificateValidation, `certificate-validation:${name}`, (r) => ({ certificateArn: String(r.out(cert).arn), region }), controls, [record]);
  return { cert, validation, nodes: [cert, record, validation] as Node[] };
}

/** The A and AAAA alias records (`dns-record:<name>-a`, `-aaaa`) of a host name pointing at `target`. */
function aliasRecords(name: string, host: string, zone: string, alias: (r: PlanRefs) => AliasSpec, controls: string[]): Node[] {
  return (["A", "AAAA"] as const).map((type) =>
    node(dnsRecord, `dns-record:${name}-${type.toLowerCase()}`, (r) => ({ hostedZoneId: zone, name: host, type, alias: alias(r) }), controls),
  );
}

/** ALB metric dimensions use the ARN suffixes (`app/<name>/<id>`, `targetgroup/<name>/<id>`). */
const arnSuffix = (arn: string, marker: string) => arn.slice(arn.indexOf(marker));

/** The edge layer: ALB-01..ALB-04, S3-02, CDN-01..CDN-03, MON-01 (ALB alarms), MON-02. */
export function edgeNodes(config: Config, facts: EnvironmentFacts & EdgeFacts): Node[] {
  const env = config.env;
  const hosts = hostNames(config);
  const zone = facts.hostedZoneId;
  const nodes: Node[] = [];
  const logsBucket = bucketName(config, "logs", facts);

  // ALB-01..ALB-03
  const alb = node(loadBalancer, "load-balancer:api", (r) => ({
      name: `${env}-api`,
      subnetIds: [r.id(ref(subnet, "subnet:public-a")), r.id(ref(subnet, "subnet:public-b"))],
      securityGroupIds: [r.id(ref(securityGroup, "security-group:alb"))],
      accessLogsBucket: logsBucket,
      accessLogsPrefix: ALB_LOG_PREFIX,
      idleTimeoutSeconds: 60,
    }), ["ALB-01", "S3-03"], [ref(internetGateway, "internet-gateway:main"), ref(routeTable, "route-table:public"), ref(bucket, "bucket:logs")]);
  nodes.push(alb);
  const apiTargets = node(targetGroup, "target-group:api", (r) => ({ name: `${env}-api`, vpcId: r.id(ref(vpc, "vpc:main")), port: APP_PORT, healthCheckPath: "/readyz", deregistrationDelaySeconds: 30 }), ["ALB-02"]);
  nodes.push(apiTargets);
  const apiCert = certificateNodes("api", hosts.api, facts.region, zone, ["ALB-03"]);
  nodes.push(...apiCert.nodes);
  nodes.push(node(listener, "listener:http", (r) => ({ loadBalancerArn: String(r.out(alb).arn), port: 80 }), ["ALB-03"]));
  nodes.push(
    node(listener, "listener:https", (r) => ({
      loadBalancerArn: String(r.out(alb).arn),
      port: 443,
      certificateArn: String(r.out(apiCert.cert).arn),
      sslPolicy: DEFAULT_SSL_POLICY,
      targetGroupArn: String(r.out(apiTargets).arn),
    }), ["ALB-03"], [apiCert.validation]),
  );
  // ALB-04: alias records for the api host name.
  nodes.push(
    ...aliasRecords("api", hosts.api, zone, (r) => ({
      dnsName: `dualstack.${String(r.out(alb).dnsName)}`,
      hostedZoneId: String(r.out(alb).canonicalHostedZoneId),
      evaluateTargetHealth: true,
    }), ["ALB-04"]),
  );

  // CDN-01..CDN-03, S3-02: OAC → distribution → the web bucket's policy naming that distribution.
  // CloudFront only takes certificates from us-east-1 (CDN-02).
  const siteCert = certificateNodes("site", hosts.site, "us-east-1", zone, ["CDN-02"]);
  nodes.push(...siteCert.nodes);
  const acl = node(webAcl, "web-acl:site", () => ({ name: `${env}-site`, rateLimit: 2000 }), ["CDN-03"]);
  nodes.push(acl);
  const oac = node(originAccessControl, "origin-access-control:site", () => ({ name: `${env}-site`, description: `opsctl ${env}: CloudFront to the web bucket (S3-02)` }), ["S3-02", "CDN-01"]);
  nodes.push(oac);
  const webBucket = bucketName(config, "web", facts);
  const site = node(distribution, "distribution:site", (r) => ({
      comment: `opsctl ${env}: ${hosts.site}`,
      originBucketDomainName: `${webBucket}.s3.${facts.region}.amazonaws.com`,
      originAccessControlId: r.id(oac),
      aliases: [hosts.site],
      certificateArn: String(r.out(siteCert.cert).arn),
      webAclArn: String(r.out(acl).arn),
      defaultRootObject: "index.html",
      priceClass: "PriceClass_100",
    }), ["CDN-01", "CDN-02", "CDN-03"], [siteCert.validation]);
  nodes.push(site);
  nodes.push(
    node(bucket, "bucket:web", (r: PlanRefs) => ({
      name: webBucket,
      purpose: "web",
      versioning: true,
      policy: { Version: "2012-10-17", Statement: [tlsOnlyStatement(bucketArn(webBucket)), webBucketPolicyStatement(bucketArn(webBucket), String(r.out(site).arn))] },
    }), ["S3-02"]),
  );
  nodes.push(
    ...aliasRecords("site", hosts.site, zone, (r) => ({
      dnsName: String(r.out(site).domainName),
      hostedZoneId: String(r.out(site).hostedZoneId),
      evaluateTargetHealth: false,
    }), ["CDN-01"]),
  );

  // MON-02: CloudTrail, multi-region, validated, KMS-encrypted, into the logs bucket.
  // Found by its deterministic name (`<env>-<node name>`): CloudTrail lists trails without their tags.
  const trailName = `${env}-audit`;
  const trailArn = `arn:aws:cloudtrail:${facts.region}:${facts.accountId}:trail/${trailName}`;
  const trailKey = node(kmsKeyIn(facts.region), "kms-key:trail", () => ({
      description: `opsctl ${env}: CloudTrail log files (MON-02)`,
      policy: trailKeyPolicy(facts, trailArn),
      rotationPeriodDays: 365,
      alias: `alias/${env}/trail`,
      region: facts.region,
    }), ["MON-02", "KMS-01"]);
  nodes.push(trailKey);
  nodes.push(node(trail, "trail:audit", (r) => ({ name: trailName, bucketName: logsBucket, kmsKeyArn: String(r.out(trailKey).arn) }), ["MON-02"], [ref(bucket, "bucket:logs")]));

  // MON-01: the load balancer's alarms.
  const albDims = (r: PlanRefs) => ({ LoadBalancer: arnSuffix(String(r.out(alb).arn), "app/"), TargetGroup: arnSuffix(String(r.out(apiTargets).arn), "targetgroup/") });
  nodes.push(
    node(metricAlarm, "metric-alarm:unhealthy-targets", (r) => ({
      name: `${env}-unhealthy-targets`,
      description: "ALB targets failing health checks (MON-01)",
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions: albDims(r),
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 3,
      threshold: 1,
      comparison: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    }), ["MON-01"]),
  );
  nodes.push(
    node(metricAlarm, "metric-alarm:alb-5xx", (r) => ({
      name: `${env}-alb-5xx`,
      description: "5xx answered by the load balancer (MON-01)",
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_ELB_5XX_Count",
      dimensions: { LoadBalancer: arnSuffix(String(r.out(alb).arn), "app/") },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 10,
      comparison: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    }), ["MON-01"]),
  );
  nodes.push(
    node(metricAlarm, "metric-alarm:target-5xx", (r) => ({
      name: `${env}-target-5xx`,
      description: "5xx answered by the API (MON-01)",
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      dimensions: albDims(r),
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 10,
      comparison: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    }), ["MON-01"]),
  );
  return nodes;
}
