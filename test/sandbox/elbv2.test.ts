import { describe, expect, it } from "vitest";
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSubnetCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeSSLPoliciesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  RemoveTagsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeCertificateCommand, RequestCertificateCommand } from "@aws-sdk/client-acm";
import { ChangeResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { newSandbox } from "../helpers/sandbox.js";
import { seedHostedZone } from "../../src/sandbox/services/route53.js";
import { ipv6Subnet64 } from "../../src/config/cidr.js";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e: Error) => e.name);

/** A dual-stack VPC with two public subnets in two AZs, an internet gateway and a security group. */
async function setup(opts: { igw?: boolean } = {}) {
  const { sandbox, aws } = newSandbox();
  const ec2 = await aws.get("ec2");
  const elb = await aws.get("elbv2");
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16", AmazonProvidedIpv6CidrBlock: true }))).Vpc!;
  await sandbox.clock.sleep(10_000);
  const v6 = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId!] }))).Vpcs![0].Ipv6CidrBlockAssociationSet![0].Ipv6CidrBlock!;
  const subnet = async (i: number, az: string, ipv6 = true) =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: az, Ipv6CidrBlock: ipv6 ? ipv6Subnet64(v6, i) : undefined }))).Subnet!.SubnetId!;
  const a = await subnet(1, "eu-west-1a");
  const b = await subnet(2, "eu-west-1b");
  if (opts.igw !== false) {
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId }));
  }
  const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "alb", Description: "alb", VpcId: vpc.VpcId }))).GroupId!;
  return { sandbox, aws, ec2, elb, vpcId: vpc.VpcId!, subnets: [a, b], subnet, sg };
}

const albInput = (subnets: string[], sg: string, name = "demo-alb") => ({ Name: name, Subnets: subnets, SecurityGroups: [sg], Scheme: "internet-facing" as const, Type: "application" as const, IpAddressType: "dualstack" as const, Tags: [{ Key: "opsctl:env", Value: "demo" }] });

describe("simulated ELBv2", () => {
  it("load balancer: validation, provisioning → active, idempotent create, ENIs in its subnets, delete", async () => {
    const { sandbox, ec2, elb, subnets, sg, subnet } = await setup();
    expect(await code(elb.send(new CreateLoadBalancerCommand({ ...albInput(subnets, sg), Name: "x".repeat(33) })))).toBe("ValidationError");
    expect(await code(elb.send(new CreateLoadBalancerCommand(albInput([subnets[0]], sg))))).toBe("ValidationError");
    expect(await code(elb.send(new CreateLoadBalancerCommand(albInput([subnets[0], "subnet-0000000000000000f"], sg))))).toBe("SubnetNotFoundException");
    expect(await code(elb.send(new CreateLoadBalancerCommand(albInput(subnets, "sg-0000000000000000f"))))).toBe("InvalidSecurityGroupException");
    const v4only = await subnet(3, "eu-west-1c", false);
    expect(await code(elb.send(new CreateLoadBalancerCommand(albInput([subnets[0], v4only], sg))))).toBe("InvalidSubnetException");
    const lb = (await elb.send(new CreateLoadBalancerCommand(albInput(subnets, sg)))).LoadBalancers![0];
    expect(lb.State!.Code).toBe("provisioning");
    expect(lb.DNSName).toMatch(/^demo-alb-\d+\.eu-west-1\.elb\.amazonaws\.com$/);
    expect(lb.CanonicalHostedZoneId).toBe("Z32O12XQLNTSW2");
    expect(lb.LoadBalancerArn).toMatch(/^arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer\/app\/demo-alb\/[0-9a-f]{16}$/);
    // Same name, same settings: the same load balancer; other settings: DuplicateLoadBalancerName.
    expect((await elb.send(new CreateLoadBalancerCommand(albInput(subnets, sg)))).LoadBalancers![0].LoadBalancerArn).toBe(lb.LoadBalancerArn);
    expect(await code(elb.send(new CreateLoadBalancerCommand({ ...albInput(subnets, sg), IpAddressType: "ipv4" })))).toBe("DuplicateLoadBalancerNameException");
    expect(await code(ec2.send(new DeleteSubnetCommand({ SubnetId: subnets[0] })))).toBe("DependencyViolation");
    await sandbox.clock.sleep(150_000);
    expect((await elb.send(new DescribeLoadBalancersCommand({ Names: ["demo-alb"] }))).LoadBalancers![0].State!.Code).toBe("active");
    expect(await code(elb.send(new DescribeLoadBalancersCommand({ Names: ["nope"] })))).toBe("LoadBalancerNotFoundException");
    const attrs = async () => Object.fromEntries((await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Attributes!.map((a) => [a.Key, a.Value]));
    expect((await attrs())["routing.http.drop_invalid_header_fields.enabled"]).toBe("false");
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: "routing.http.drop_invalid_header_fields.enabled", Value: "true" }, { Key: "idle_timeout.timeout_seconds", Value: "30" }] }));
    expect(await attrs()).toMatchObject({ "routing.http.drop_invalid_header_fields.enabled": "true", "idle_timeout.timeout_seconds": "30" });
    expect(await code(elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: "access_logs.s3.enabled", Value: "true" }, { Key: "access_logs.s3.bucket", Value: "no-such-bucket" }] })))).toBe("InvalidConfigurationRequestException");
    expect(await code(elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: "bogus", Value: "1" }] })))).toBe("InvalidConfigurationRequestException");
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: "deletion_protection.enabled", Value: "true" }] }));
    expect(await code(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn })))).toBe("OperationNotPermittedException");
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }] }));
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    // Still there (and its ENIs in the subnet) until the deletion completes.
    expect((await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] }))).LoadBalancers).toHaveLength(1);
    await sandbox.clock.sleep(30_000);
    expect(await code(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] })))).toBe("LoadBalancerNotFoundException");
    expect(await code(ec2.send(new DeleteSubnetCommand({ SubnetId: subnets[0] })))).toBe("ok");
  });

  it("an internet-facing ALB needs an internet gateway in its VPC", async () => {
    const { elb, subnets, sg } = await setup({ igw: false });
    expect(await code(elb.send(new CreateLoadBalancerCommand(albInput(subnets, sg))))).toBe("InvalidSubnetException");
  });

  it("target groups, listeners (redirect, HTTPS with an issued certificate), tags, paging", async () => {
    const { sandbox, aws, elb, vpcId, subnets, sg } = await setup();
    const lb = (await elb.send(new CreateLoadBalancerCommand(albInput(subnets, sg)))).LoadBalancers![0];
    const tgInput = { Name: "demo-api", TargetType: "ip" as const, Protocol: "HTTP" as const, Port: 3000, VpcId: vpcId, HealthCheckPath: "/health", HealthCheckIntervalSeconds: 15, HealthyThresholdCount: 2, Matcher: { HttpCode: "200" } };
    const tg = (await elb.send(new CreateTargetGroupCommand(tgInput))).TargetGroups![0];
    expect(tg.HealthCheckPath).toBe("/health");
    expect((await elb.send(new CreateTargetGroupCommand(tgInput))).TargetGroups![0].TargetGroupArn).toBe(tg.TargetGroupArn);
    expect(await code(elb.send(new CreateTargetGroupCommand({ ...tgInput, Port: 8080 })))).toBe("DuplicateTargetGroupNameException");

    // Port 80: redirect to HTTPS; a redirect to itself is a loop.
    const redirect = { Type: "redirect" as const, RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" as const } };
    expect(await code(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "redirect", RedirectConfig: { StatusCode: "HTTP_301" } }] })))).toBe("InvalidLoadBalancerActionException");
    const http = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: 80, DefaultActions: [redirect] }))).Listeners![0];
    expect(http.DefaultActions![0].RedirectConfig).toEqual({ Protocol: "HTTPS", Port: "443", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: "HTTP_301" });
    expect(await code(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tg.TargetGroupArn }] })))).toBe("DuplicateListenerException");

    // Port 443: the certificate must exist in ACM in this region and be ISSUED.
    const acm = await aws.get("acm");
    const forward = [{ Type: "forward" as const, TargetGroupArn: tg.TargetGroupArn }];
    const https = (arn: string) => elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTPS", Port: 443, Certificates: [{ CertificateArn: arn }], SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", DefaultActions: forward }));
    expect(await code(https("arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"))).toBe("CertificateNotFoundException");
    const certArn = (await acm.send(new RequestCertificateCommand({ DomainName: "api.example.com", ValidationMethod: "DNS" }))).CertificateArn!;
    expect(await code(https(certArn))).toBe("UnsupportedCertificate");
    const east = (await (await aws.get("acm", "us-east-1")).send(new RequestCertificateCommand({ DomainName: "api.example.com", ValidationMethod: "DNS" }))).CertificateArn!;
    expect(await code(https(east))).toBe("CertificateNotFoundException");
    await sandbox.clock.sleep(5_000);
    const rr = (await acm.send(new DescribeCertificateCommand({ CertificateArn: certArn }))).Certificate!.DomainValidationOptions![0].ResourceRecord!;
    const r53 = await aws.get("route53");
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: seedHostedZone(sandbox, "example.com"), ChangeBatch: { Changes: [{ Action: "UPSERT", ResourceRecordSet: { Name: rr.Name, Type: "CNAME", TTL: 300, ResourceRecords: [{ Value: rr.Value }] } }] } }));
    await sandbox.clock.sleep(200_000);
    expect(await code(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTPS", Port: 443, Certificates: [{ CertificateArn: certArn }], SslPolicy: "ELBSecurityPolicy-Nope", DefaultActions: forward })))).toBe("SSLPolicyNotFoundException");
    const tls = (await https(certArn)).Listeners![0];
    expect(tls.SslPolicy).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn: certArn }))).Certificate!.InUseBy).toEqual([lb.LoadBalancerArn]);
    expect((await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners!.map((l) => l.Port)).toEqual([80, 443]);
    expect((await elb.send(new DescribeTargetGroupsCommand({ Names: ["demo-api"] }))).TargetGroups![0].LoadBalancerArns).toEqual([lb.LoadBalancerArn]);
    expect(await code(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn })))).toBe("ResourceInUseException");

    await elb.send(new AddTagsCommand({ ResourceArns: [tls.ListenerArn!, tg.TargetGroupArn!], Tags: [{ Key: "a", Value: "1" }] }));
    await elb.send(new RemoveTagsCommand({ ResourceArns: [tg.TargetGroupArn!], TagKeys: ["a"] }));
    const tags = (await elb.send(new DescribeTagsCommand({ ResourceArns: [tls.ListenerArn!, tg.TargetGroupArn!, lb.LoadBalancerArn!] }))).TagDescriptions!;
    expect(tags.map((t) => t.Tags)).toEqual([[{ Key: "a", Value: "1" }], [], [{ Key: "opsctl:env", Value: "demo" }]]);
    expect((await elb.send(new DescribeSSLPoliciesCommand({ Names: ["ELBSecurityPolicy-TLS13-1-2-2021-06"] }))).SslPolicies![0].SslProtocols).toEqual(["TLSv1.2", "TLSv1.3"]);

    // Paging.
    const p1 = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn, PageSize: 1 }));
    expect(p1.Listeners!.map((l) => l.Port)).toEqual([80]);
    expect((await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn, PageSize: 1, Marker: p1.NextMarker }))).Listeners!.map((l) => l.Port)).toEqual([443]);

    await elb.send(new DeleteListenerCommand({ ListenerArn: tls.ListenerArn }));
    expect(await code(elb.send(new DeleteListenerCommand({ ListenerArn: tls.ListenerArn })))).toBe("ListenerNotFoundException");
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(await code(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg.TargetGroupArn!] })))).toBe("TargetGroupNotFoundException");
  });

  it("targets: initial → healthy, draining for the deregistration delay, shared table rows", async () => {
    const { sandbox, elb, vpcId, subnets, sg } = await setup();
    const lb = (await elb.send(new CreateLoadBalancerCommand(albInput(subnets, sg)))).LoadBalancers![0];
    const tg = (await elb.send(new CreateTargetGroupCommand({ Name: "demo-api", TargetType: "ip", Protocol: "HTTP", Port: 3000, VpcId: vpcId, HealthCheckIntervalSeconds: 15, HealthyThresholdCount: 2 }))).TargetGroups![0];
    const health = async () => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions!.map((d) => `${d.Target!.Id}:${d.Target!.Port} ${d.TargetHealth!.State} ${d.TargetHealth!.Reason ?? ""}`.trim());
    expect(await code(elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: "192.168.1.1" }] })))).toBe("InvalidTargetException");
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: "10.0.1.10" }] }));
    expect(await health()).toEqual(["10.0.1.10:3000 unused Target.NotInUse"]);
    await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tg.TargetGroupArn }] }));
    expect(await health()).toEqual(["10.0.1.10:3000 initial Elb.RegistrationInProgress"]);
    await sandbox.clock.sleep(30_000);
    expect(await health()).toEqual(["10.0.1.10:3000 healthy"]);
    // A row the ECS simulation writes is read the same way.
    const rows = sandbox.state.regions["eu-west-1"].elbv2.targets;
    rows[`${tg.TargetGroupArn}|10.0.2.20|3000`] = { TargetGroupArn: tg.TargetGroupArn, Id: "10.0.2.20", Port: 3000, AvailabilityZone: "eu-west-1b", State: "initial", _healthyAt: sandbox.clock.now() + 10_000 };
    await sandbox.clock.sleep(10_000);
    expect(await health()).toEqual(["10.0.1.10:3000 healthy", "10.0.2.20:3000 healthy"]);
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "30" }] }));
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: "10.0.1.10", Port: 3000 }] }));
    expect(await health()).toEqual(["10.0.1.10:3000 draining Target.DeregistrationInProgress", "10.0.2.20:3000 healthy"]);
    await sandbox.clock.sleep(30_000);
    expect(await health()).toEqual(["10.0.2.20:3000 healthy"]);
    expect(await code(elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: "10.0.1.10" }] })))).toBe("InvalidTargetException");
    const one = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: "10.0.9.9", Port: 3000 }] }))).TargetHealthDescriptions!;
    expect(one[0].TargetHealth).toMatchObject({ State: "unused", Reason: "Target.NotRegistered" });
  });
});
