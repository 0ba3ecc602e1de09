import type { Config } from "../src/config/schema.js";
import { hostNames } from "../src/config/load.js";
import type { Refs } from "../src/engine/plan.js";
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
import { APP_PORT, bucketName, node, type Node } from "./network.js";
import type { EnvironmentFacts } from "./environment.js";

/** Facts the edge layer adds: the Route 53 hosted zone holding dns.domain. */
export interface EdgeFacts {
  hostedZoneId: string;
}

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
function certificateNodes(name: string, host: string, region: string, zone: string, controls: string[]): Node[] {
  const cert = `certificate:${name}`;
  return [
    node(cert, [], certificate, () => ({ domainName: host, region }), controls),
    node(`dns-record:${name}-validation`, [cert], dnsRecord, (r) => ({
      hostedZoneId: zone,
      name: String(r.out(cert).validationName),
      type: "CNAME",
      ttl: 300,
      values: [String(r.out(cert).validationValue)],
    }), controls),
    node(`certificate-validation:${name}`, [cert, `dns-record:${name}-validation`], certificateValidation, (r) => ({ certificateArn: String(r.out(cert).arn), region }), controls),
  ];
}

/** The A and AAAA alias records (`dns-record:<name>-a`, `-aaaa`) of a host name pointing at `target`. */
function aliasRecords(name: string, host: string, zone: string, target: string, alias: (r: Refs) => AliasSpec, controls: string[]): Node[] {
  return (["A", "AAAA"] as const).map((type) =>
    node(`dns-record:${name}-${type.toLowerCase()}`, [target], dnsRecord, (r) => ({ hostedZoneId: zone, name: host, type, alias: alias(r) }), controls),
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
  nodes.push(
    node("load-balancer:api", ["subnet:public-a", "subnet:public-b", "security-group:alb", "internet-gateway:main", "route-table:public", "bucket:logs"], loadBalancer, (r) => ({
      name: `${env}-api`,
      subnetIds: [r.id("subnet:public-a"), r.id("subnet:public-b")],
      securityGroupIds: [r.id("security-group:alb")],
      accessLogsBucket: logsBucket,
      accessLogsPrefix: ALB_LOG_PREFIX,
      idleTimeoutSeconds: 60,
    }), ["ALB-01", "S3-03"]),
  );
  nodes.push(node("target-group:api", ["vpc:main"], targetGroup, (r) => ({ name: `${env}-api`, vpcId: r.id("vpc:main"), port: APP_PORT, healthCheckPath: "/readyz", deregistrationDelaySeconds: 30 }), ["ALB-02"]));
  nodes.push(...certificateNodes("api", hosts.api, facts.region, zone, ["ALB-03"]));
  nodes.push(node("listener:http", ["load-balancer:api"], listener, (r) => ({ loadBalancerArn: String(r.out("load-balancer:api").arn), port: 80 }), ["ALB-03"]));
  nodes.push(
    node("listener:https", ["load-balancer:api", "certificate:api", "certificate-validation:api", "target-group:api"], listener, (r) => ({
      loadBalancerArn: String(r.out("load-balancer:api").arn),
      port: 443,
      certificateArn: String(r.out("certificate:api").arn),
      sslPolicy: DEFAULT_SSL_POLICY,
      targetGroupArn: String(r.out("target-group:api").arn),
    }), ["ALB-03"]),
  );
  // ALB-04: alias records for the api host name.
  nodes.push(
    ...aliasRecords("api", hosts.api, zone, "load-balancer:api", (r) => ({
      dnsName: `dualstack.${String(r.out("load-balancer:api").dnsName)}`,
      hostedZoneId: String(r.out("load-balancer:api").canonicalHostedZoneId),
      evaluateTargetHealth: true,
    }), ["ALB-04"]),
  );

  // CDN-01..CDN-03, S3-02: OAC → distribution → the web bucket's policy naming that distribution.
  // CloudFront only takes certificates from us-east-1 (CDN-02).
  nodes.push(...certificateNodes("site", hosts.site, "us-east-1", zone, ["CDN-02"]));
  nodes.push(node("web-acl:site", [], webAcl, () => ({ name: `${env}-site`, rateLimit: 2000 }), ["CDN-03"]));
  nodes.push(node("origin-access-control:site", [], originAccessControl, () => ({ name: `${env}-site`, description: `opsctl ${env}: CloudFront to the web bucket (S3-02)` }), ["S3-02", "CDN-01"]));
  const webBucket = bucketName(config, "web", facts);
  nodes.push(
    node("distribution:site", ["origin-access-control:site", "certificate:site", "certificate-validation:site", "web-acl:site"], distribution, (r) => ({
      comment: `opsctl ${env}: ${hosts.site}`,
      originBucketDomainName: `${webBucket}.s3.${facts.region}.amazonaws.com`,
      originAccessControlId: r.id("origin-access-control:site"),
      aliases: [hosts.site],
      certificateArn: String(r.out("certificate:site").arn),
      webAclArn: String(r.out("web-acl:site").arn),
      defaultRootObject: "index.html",
      priceClass: "PriceClass_100",
    }), ["CDN-01", "CDN-02", "CDN-03"]),
  );
  nodes.push(
    node("bucket:web", ["distribution:site"], bucket, (r: Refs) => ({
      name: webBucket,
      purpose: "web",
      versioning: true,
      policy: { Version: "2012-10-17", Statement: [tlsOnlyStatement(bucketArn(webBucket)), webBucketPolicyStatement(bucketArn(webBucket), String(r.out("distribution:site").arn))] },
    }), ["S3-02"]),
  );
  nodes.push(
    ...aliasRecords("site", hosts.site, zone, "distribution:site", (r) => ({
      dnsName: String(r.out("distribution:site").domainName),
      hostedZoneId: String(r.out("distribution:site").hostedZoneId),
      evaluateTargetHealth: false,
    }), ["CDN-01"]),
  );

  // MON-02: CloudTrail, multi-region, validated, KMS-encrypted, into the logs bucket.
  // Found by its deterministic name (`<env>-<node name>`): CloudTrail lists trails without their tags.
  const trailName = `${env}-audit`;
  const trailArn = `arn:aws:cloudtrail:${facts.region}:${facts.accountId}:trail/${trailName}`;
  nodes.push(
    node("kms-key:trail", [], kmsKeyIn(facts.region), () => ({
      description: `opsctl ${env}: CloudTrail log files (MON-02)`,
      policy: trailKeyPolicy(facts, trailArn),
      rotationPeriodDays: 365,
      alias: `alias/${env}/trail`,
      region: facts.region,
    }), ["MON-02", "KMS-01"]),
  );
  nodes.push(node("trail:audit", ["bucket:logs", "kms-key:trail"], trail, (r) => ({ name: trailName, bucketName: logsBucket, kmsKeyArn: String(r.out("kms-key:trail").arn) }), ["MON-02"]));

  // MON-01: the load balancer's alarms.
  const albDims = (r: Refs) => ({ LoadBalancer: arnSuffix(String(r.out("load-balancer:api").arn), "app/"), TargetGroup: arnSuffix(String(r.out("target-group:api").arn), "targetgroup/") });
  nodes.push(
    node("metric-alarm:unhealthy-targets", ["load-balancer:api", "target-group:api"], metricAlarm, (r) => ({
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
    node("metric-alarm:alb-5xx", ["load-balancer:api"], metricAlarm, (r) => ({
      name: `${env}-alb-5xx`,
      description: "5xx answered by the load balancer (MON-01)",
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_ELB_5XX_Count",
      dimensions: { LoadBalancer: arnSuffix(String(r.out("load-balancer:api").arn), "app/") },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 10,
      comparison: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    }), ["MON-01"]),
  );
  nodes.push(
    node("metric-alarm:target-5xx", ["load-balancer:api", "target-group:api"], metricAlarm, (r) => ({
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
