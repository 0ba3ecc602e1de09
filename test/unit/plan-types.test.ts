import { describe, expect, it } from "vitest";
import { UNKNOWN, checkRefs, makeRefs, node, ref } from "../../src/engine/plan.js";
import { vpc } from "../../src/resources/vpc.js";
import { subnet } from "../../src/resources/subnet.js";
import { routeTable } from "../../src/resources/route-table.js";
import { securityGroupRules } from "../../src/resources/security-group.js";
import { iamRole } from "../../src/resources/iam-role.js";
import { everyPlan } from "../helpers/plan-graphs.js";

/*
 * Issue 14: the plans are type-checked. This file is part of `npm run typecheck`
 * (tsconfig.json includes test/): each `@ts-expect-error` line below must fail to compile,
 * or tsc reports the directive as unused and the typecheck fails. Each has a twin line
 * that compiles, so the error is the one named and not some other.
 */

const vpcMain = node(vpc, "vpc:main", () => ({ cidr: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true }), ["NET-01"]);
const subnetA = node(subnet, "subnet:public-a", (r) => ({ vpcId: r.id(vpcMain), cidr: "10.0.0.0/24", ipv6Cidr: String(r.out(vpcMain).ipv6Cidr), availabilityZone: "eu-west-1a", mapPublicIpOnLaunch: true }), ["NET-02"]);
const rules = node(securityGroupRules, "security-group-rule:x", () => ({ groupId: "sg-1", ingress: [], egress: [] }), ["SG-02"]);

/** Compile-time cases: built inside a function that never runs, so only the type checker sees them. */
export function typeCases(): void {
  // A misspelt field (the kind has `cidr`): an excess property, and `cidr` is missing.
  node(vpc, "vpc:a", () => ({ cidr: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true }), []);
  // @ts-expect-error `cidrr` is no field of a vpc spec
  node(vpc, "vpc:a", () => ({ cidr: "10.0.0.0/16", cidrr: 42, enableDnsSupport: true, enableDnsHostnames: true }), []);
  // @ts-expect-error `cidrr` instead of `cidr`
  node(vpc, "vpc:a", () => ({ cidrr: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true }), []);

  // A misspelt optional field nested in an array (`gatewayId`), also in a block body.
  node(routeTable, "route-table:a", (r) => ({ vpcId: r.id(vpcMain), routes: [{ destination: "0.0.0.0/0", gatewayId: "igw-1" }], subnetIds: [r.id(subnetA)] }), []);
  // @ts-expect-error `gatewayyId` is no field of a route
  node(routeTable, "route-table:a", (r) => ({ vpcId: r.id(vpcMain), routes: [{ destination: "0.0.0.0/0", gatewayyId: "igw-1" }], subnetIds: [r.id(subnetA)] }), []);
  node(routeTable, "route-table:a", (r) => { const id = r.id(vpcMain); return { vpcId: id, routes: [], subnetIds: [] }; }, []);
  // @ts-expect-error `subnetId` is no field of a route table spec (it has `subnetIds`)
  node(routeTable, "route-table:a", (r) => { const id = r.id(vpcMain); return { vpcId: id, routes: [], subnetIds: [], subnetId: id }; }, []);

  // A mistyped field.
  node(vpc, "vpc:a", () => ({ cidr: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true }), []);
  // @ts-expect-error enableDnsSupport is a boolean
  node(vpc, "vpc:a", () => ({ cidr: "10.0.0.0/16", enableDnsSupport: "yes", enableDnsHostnames: true }), []);
  // @ts-expect-error the policy version is the literal "2012-10-17"
  node(iamRole, "iam-role:a", () => ({ name: "a", description: "a", assumeRolePolicy: { Version: "2012-10-18", Statement: [] }, inlinePolicies: {} }), []);
  node(iamRole, "iam-role:a", () => ({ name: "a", description: "a", assumeRolePolicy: { Version: "2012-10-17", Statement: [] }, inlinePolicies: {} }), []);

  // A ref to an output the node does not have: typed by the kind of the node it names.
  node(subnet, "subnet:b", (r) => ({ vpcId: r.id(vpcMain), cidr: String(r.out(vpcMain).cidr), ipv6Cidr: UNKNOWN, availabilityZone: "eu-west-1b", mapPublicIpOnLaunch: false }), []);
  // @ts-expect-error a vpc has no `arn` output
  node(subnet, "subnet:b", (r) => ({ vpcId: r.id(vpcMain), cidr: String(r.out(vpcMain).arn), ipv6Cidr: UNKNOWN, availabilityZone: "eu-west-1b", mapPublicIpOnLaunch: false }), []);
  // @ts-expect-error the same through a handle on another layer's node
  node(subnet, "subnet:b", (r) => ({ vpcId: r.id(vpcMain), cidr: String(r.out(ref(vpc, "vpc:main")).ipv6Cidrr), ipv6Cidr: UNKNOWN, availabilityZone: "eu-west-1b", mapPublicIpOnLaunch: false }), []);
  // @ts-expect-error security-group rules have no `id` output (they hand over `groupId`)
  node(subnet, "subnet:b", (r) => ({ vpcId: r.id(rules), cidr: "10.0.1.0/24", ipv6Cidr: UNKNOWN, availabilityZone: "eu-west-1b", mapPublicIpOnLaunch: false }), []);
  node(subnet, "subnet:b", (r) => ({ vpcId: String(r.out(rules).groupId), cidr: "10.0.1.0/24", ipv6Cidr: UNKNOWN, availabilityZone: "eu-west-1b", mapPublicIpOnLaunch: false }), []);
  // @ts-expect-error a spec built with node() reads by handle, not by id string
  node(subnet, "subnet:b", (r) => ({ vpcId: r.id("vpc:main"), cidr: "10.0.1.0/24", ipv6Cidr: UNKNOWN, availabilityZone: "eu-west-1b", mapPublicIpOnLaunch: false }), []);
}

describe("typed plan builder", () => {
  it("derives the dependencies from the handles a spec reads, then the ordering-only `after`", () => {
    expect(vpcMain.deps).toEqual([]);
    expect(subnetA.deps).toEqual(["vpc:main"]);
    const rt = node(routeTable, "route-table:public", (r) => ({ vpcId: r.id(vpcMain), routes: [], subnetIds: [r.id(subnetA)] }), ["NET-04"], [ref(vpc, "vpc:main"), rules]);
    expect(rt.deps).toEqual(["vpc:main", "subnet:public-a", "security-group-rule:x"]);
    expect(rt.controls).toEqual(["NET-04"]);
  });

  it("the run-time guard still throws when a spec reads a node that is not a dependency", () => {
    // A read that depends on an output value is the one the recording cannot see: the guard catches it.
    const sneaky = node(subnet, "subnet:c", (r) => ({ vpcId: r.out(subnetA).az === "eu-west-1c" ? r.id(vpcMain) : "vpc-0", cidr: "10.0.2.0/24", ipv6Cidr: UNKNOWN, availabilityZone: "eu-west-1c", mapPublicIpOnLaunch: false }), []);
    expect(sneaky.deps).toEqual(["subnet:public-a"]);
    const outputs = new Map([["subnet:public-a", { id: "subnet-1", az: "eu-west-1c" }]]);
    expect(() => sneaky.spec(makeRefs(sneaky.id, sneaky.deps, outputs))).toThrow("plan node subnet:c reads vpc:main, which is not one of its dependencies");
  });

  it("checkRefs rejects a handle typed by the wrong kind or naming a node outside the plan", () => {
    const wrongKind = node(subnet, "subnet:d", (r) => ({ vpcId: r.id(ref(subnet, "vpc:main")), cidr: "10.0.3.0/24", ipv6Cidr: UNKNOWN, availabilityZone: "eu-west-1a", mapPublicIpOnLaunch: false }), []);
    expect(() => checkRefs([vpcMain, wrongKind])).toThrow("plan node subnet:d reads vpc:main as a subnet, but it is a vpc");
    expect(() => checkRefs([subnetA])).toThrow("plan node subnet:public-a reads vpc:main, which is not in the plan");
    expect(() => checkRefs([vpcMain, subnetA])).not.toThrow();
  });

  it("every plan builds, and every spec evaluates on placeholder refs (nothing known yet)", () => {
    const plans = everyPlan();
    let specs = 0;
    for (const [name, plan] of Object.entries(plans)) {
      expect(plan.nodes.length, name).toBeGreaterThan(0);
      for (const n of plan.nodes) {
        const spec = n.spec(makeRefs(n.id, n.deps, new Map()));
        expect(spec, `${name} ${n.id}`).toBeTypeOf("object");
        specs++;
      }
    }
    // 14 plan variants (environment, restore and pause × NAT mode × image; two rotate-keys plans).
    expect(Object.keys(plans)).toHaveLength(14);
    expect(specs).toBeGreaterThan(800);
  });
});
