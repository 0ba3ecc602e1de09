import { describe, expect, it } from "vitest";
import {
  AddTagsToCertificateCommand,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
} from "@aws-sdk/client-acm";
import { ChangeResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { newSandbox } from "../helpers/sandbox.js";
import { seedHostedZone } from "../../src/sandbox/services/route53.js";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e: Error) => e.name);

async function setup() {
  const { sandbox, aws } = newSandbox();
  return { sandbox, aws, acm: await aws.get("acm"), r53: await aws.get("route53") };
}

describe("simulated ACM", () => {
  it("publishes a deterministic validation CNAME, issues only once Route 53 holds it", async () => {
    const { sandbox, acm, r53 } = await setup();
    const zoneId = seedHostedZone(sandbox, "example.com");
    const { CertificateArn } = await acm.send(new RequestCertificateCommand({ DomainName: "api.example.com", ValidationMethod: "DNS", IdempotencyToken: "tok1", Tags: [{ Key: "k", Value: "v" }] }));
    expect(CertificateArn).toMatch(/^arn:aws:acm:eu-west-1:123456789012:certificate\/[0-9a-f-]{36}$/);
    const first = (await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!;
    expect(first.Status).toBe("PENDING_VALIDATION");
    expect(first.DomainValidationOptions![0].ResourceRecord).toBeUndefined();
    await sandbox.clock.sleep(5_000);
    const rr = (await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!.DomainValidationOptions![0].ResourceRecord!;
    expect(rr.Type).toBe("CNAME");
    expect(rr.Name).toMatch(/^_[0-9a-f]{32}\.api\.example\.com\.$/);
    expect(rr.Value).toMatch(/\.acm-validations\.aws\.$/);
    // Same domain, another request: the same record (ACM reuses it per domain and account).
    const other = (await acm.send(new RequestCertificateCommand({ DomainName: "api.example.com", ValidationMethod: "DNS" }))).CertificateArn!;
    expect(other).not.toBe(CertificateArn);
    await sandbox.clock.sleep(5_000);
    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn: other }))).Certificate!.DomainValidationOptions![0].ResourceRecord).toEqual(rr);
    // Same token within the hour: the same certificate.
    expect((await acm.send(new RequestCertificateCommand({ DomainName: "api.example.com", ValidationMethod: "DNS", IdempotencyToken: "tok1" }))).CertificateArn).toBe(CertificateArn);
    await sandbox.clock.sleep(3_600_000);
    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!.Status).toBe("PENDING_VALIDATION");
    // A wrong value does not validate.
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: "UPSERT", ResourceRecordSet: { Name: rr.Name, Type: "CNAME", TTL: 300, ResourceRecords: [{ Value: "_wrong.acm-validations.aws." }] } }] } }));
    await sandbox.clock.sleep(600_000);
    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!.Status).toBe("PENDING_VALIDATION");
    const t0 = sandbox.clock.now();
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: "UPSERT", ResourceRecordSet: { Name: rr.Name, Type: "CNAME", TTL: 300, ResourceRecords: [{ Value: rr.Value }] } }] } }));
    await sandbox.clock.sleep(45_000 + 119_000);
    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!.Status).toBe("PENDING_VALIDATION");
    await sandbox.clock.sleep(1_000);
    const issued = (await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!;
    expect(issued.Status).toBe("ISSUED");
    expect(issued.IssuedAt!.getTime()).toBe(t0 + 45_000 + 120_000);
    expect(issued.DomainValidationOptions![0].ValidationStatus).toBe("SUCCESS");
    expect(issued.KeyAlgorithm).toBe("RSA-2048");
  });

  it("times out after 72 hours without validation; lists by status and key type; tags", async () => {
    const { sandbox, acm } = await setup();
    const a = (await acm.send(new RequestCertificateCommand({ DomainName: "x.example.com", ValidationMethod: "DNS" }))).CertificateArn!;
    const b = (await acm.send(new RequestCertificateCommand({ DomainName: "y.example.com", ValidationMethod: "DNS", KeyAlgorithm: "EC_prime256v1" }))).CertificateArn!;
    await sandbox.clock.sleep(72 * 3_600_000);
    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn: a }))).Certificate!.Status).toBe("VALIDATION_TIMED_OUT");
    // Without Includes.keyTypes only RSA certificates are listed.
    expect((await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList!.map((c) => c.CertificateArn)).toEqual([a]);
    expect((await acm.send(new ListCertificatesCommand({ Includes: { keyTypes: ["EC_prime256v1"] } }))).CertificateSummaryList!.map((c) => c.CertificateArn)).toEqual([b]);
    expect((await acm.send(new ListCertificatesCommand({ CertificateStatuses: ["ISSUED"] }))).CertificateSummaryList).toEqual([]);
    await acm.send(new AddTagsToCertificateCommand({ CertificateArn: a, Tags: [{ Key: "env", Value: "demo" }] }));
    expect((await acm.send(new ListTagsForCertificateCommand({ CertificateArn: a }))).Tags).toEqual([{ Key: "env", Value: "demo" }]);
    expect(await code(acm.send(new AddTagsToCertificateCommand({ CertificateArn: a, Tags: [{ Key: "aws:x", Value: "1" }] })))).toBe("InvalidTagException");
    expect(await code(acm.send(new RequestCertificateCommand({ DomainName: "z.example.com", ValidationMethod: "DNS", IdempotencyToken: "has-dash" })))).toBe("ValidationException");
    await acm.send(new DeleteCertificateCommand({ CertificateArn: a }));
    expect(await code(acm.send(new DescribeCertificateCommand({ CertificateArn: a })))).toBe("ResourceNotFoundException");
    expect(await code(acm.send(new DescribeCertificateCommand({ CertificateArn: "not-an-arn" })))).toBe("InvalidArnException");
  });

  it("certificates are regional", async () => {
    const { aws, acm } = await setup();
    const east = await aws.get("acm", "us-east-1");
    const arn = (await east.send(new RequestCertificateCommand({ DomainName: "www.example.com", ValidationMethod: "DNS" }))).CertificateArn!;
    expect(arn).toContain(":acm:us-east-1:");
    expect(await code(acm.send(new DescribeCertificateCommand({ CertificateArn: arn })))).toBe("ResourceNotFoundException");
    expect((await east.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate!.DomainName).toBe("www.example.com");
  });
});
