/**
 * Resource kind `listener`.
 * Tests: test/resources/listener.test.ts.
 * Sandbox: src/sandbox/services/elbv2.ts.
 */
import {
  CreateListenerCommand,
  DeleteListenerCommand,
  DescribeListenersCommand,
  ModifyListenerCommand,
  type Action,
  type Listener,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { FieldChange, ResourceKind } from "../engine/resource.js";
import { hasUnknown } from "../engine/plan.js";
import { slowMs, typicalMs } from "../aws/durations.js";
import type { ResourceContext } from "./context.js";
import { deleted, orUndefined, ownedBy, retryOn } from "./toolkit.js";
import { elbTags, envLoadBalancers } from "./load-balancer.js";

/**
 * ALB-03: port 80 redirects to HTTPS 443 (HTTP 301); port 443 terminates TLS with an ACM certificate
 * (which must be ISSUED) and a modern TLS policy, and forwards to the target group.
 */
export interface ListenerSpec {
  loadBalancerArn: string;
  port: 80 | 443;
  /** Required for 443. */
  certificateArn?: string;
  /** Default ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.3 and 1.2 only). */
  sslPolicy?: string;
  /** Required for 443. */
  targetGroupArn?: string;
}

/** The TLS policy opsctl uses unless told otherwise. */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** What the listener should be, in ELBv2's terms. */
function desired(spec: ListenerSpec): { Protocol: "HTTP" | "HTTPS"; Certificates?: { CertificateArn: string }[]; SslPolicy?: string; DefaultActions: Action[] } {
  if (spec.port === 80) {
    return { Protocol: "HTTP", DefaultActions: [{ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: "HTTP_301" } }] };
  }
  return {
    Protocol: "HTTPS",
    Certificates: [{ CertificateArn: spec.certificateArn! }],
    SslPolicy: spec.sslPolicy ?? DEFAULT_SSL_POLICY,
    DefaultActions: [{ Type: "forward", TargetGroupArn: spec.targetGroupArn! }],
  };
}

/** A default action reduced to what opsctl sets (AWS adds Order, ForwardConfig, defaults of the redirect). */
function actionKey(a: Action): string {
  if (a.Type === "forward") return `forward ${a.TargetGroupArn ?? (a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn).join(",")}`;
  if (a.Type === "redirect") {
    const r = a.RedirectConfig;
    return `redirect ${r?.Protocol}:${r?.Port} ${r?.Host}${r?.Path}?${r?.Query} ${r?.StatusCode}`;
  }
  return String(a.Type);
}

async function listenersOf(ctx: ResourceContext, lbArn: string): Promise<Listener[]> {
  return ctx.once(`elbv2:listeners:${lbArn}`, async () => {
    const elb = await ctx.aws.get("elbv2");
    return (await orUndefined(elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))))?.Listeners ?? [];
  });
}

function checkSpec(spec: ListenerSpec): void {
  if (spec.port === 443 && (!spec.certificateArn || !spec.targetGroupArn)) throw new Error(`listener 443 needs certificateArn and targetGroupArn`);
}

export const listener: ResourceKind<ListenerSpec, Listener, ResourceContext, { id: string; arn: string }> = {
  kind: "listener",
  budget: { create: slowMs("elbv2.listener.create") * 3 + 60_000, delete: slowMs("elbv2.listener.create") },
  typicalCreateMs: typicalMs("elbv2.listener.create"),

  async find(ctx, spec) {
    if (!spec) return (await this.findAll!(ctx))[0];
    // Before the ALB exists (plan), there is nothing to find.
    if (hasUnknown(spec.loadBalancerArn)) return undefined;
    // The port identifies a listener on its load balancer.
    return (await listenersOf(ctx, spec.loadBalancerArn)).find((l) => l.Port === spec.port);
  },
  async findAll(ctx) {
    const all: Listener[] = [];
    for (const { item: lb } of await envLoadBalancers(ctx)) all.push(...(await listenersOf(ctx, lb.LoadBalancerArn!)));
    const tags = await elbTags(ctx, all.map((l) => l.ListenerArn!));
    return all.filter((l) => ownedBy(ctx, tags.get(l.ListenerArn!)));
  },
  diff(spec, l) {
    const want = desired(spec);
    const c: FieldChange[] = [];
    if (l.Port !== spec.port) c.push({ field: "Port", from: l.Port, to: spec.port, replace: true });
    if (l.Protocol !== want.Protocol) c.push({ field: "Protocol", from: l.Protocol, to: want.Protocol });
    const certs = (l.Certificates ?? []).map((x) => x.CertificateArn);
    const wantCerts = (want.Certificates ?? []).map((x) => x.CertificateArn);
    if (JSON.stringify(certs) !== JSON.stringify(wantCerts)) c.push({ field: "Certificates", from: certs, to: wantCerts });
    if ((l.SslPolicy ?? undefined) !== want.SslPolicy) c.push({ field: "SslPolicy", from: l.SslPolicy, to: want.SslPolicy });
    const actions = (l.DefaultActions ?? []).map(actionKey);
    const wantActions = want.DefaultActions.map(actionKey);
    if (JSON.stringify(actions) !== JSON.stringify(wantActions)) c.push({ field: "DefaultActions", from: actions, to: wantActions });
    return c;
  },
  async create(ctx, spec) {
    checkSpec(spec);
    const elb = await ctx.aws.get("elbv2");
    // No token: CreateListener is idempotent (same port and settings → the same listener).
    // CertificateNotFound can mean "not visible to ELB yet" (CreateListener, errors): try again.
    const r = await retryOn(["CertificateNotFoundException", "TargetGroupNotFoundException"], ctx.node, () =>
      elb.send(new CreateListenerCommand({ LoadBalancerArn: spec.loadBalancerArn, Port: spec.port, ...desired(spec), Tags: ctx.tags() })),
    );
    ctx.forget(`elbv2:listeners:${spec.loadBalancerArn}`);
    return r.Listeners![0];
  },
  async update(ctx, spec, l) {
    checkSpec(spec);
    const elb = await ctx.aws.get("elbv2");
    const r = await retryOn(["CertificateNotFoundException", "TargetGroupNotFoundException"], ctx.node, () =>
      elb.send(new ModifyListenerCommand({ ListenerArn: l.ListenerArn, Port: spec.port, ...desired(spec) })),
    );
    return r.Listeners![0];
  },
  async delete(ctx, l) {
    const elb = await ctx.aws.get("elbv2");
    await deleted(elb.send(new DeleteListenerCommand({ ListenerArn: l.ListenerArn })));
  },
  async refresh(ctx, l) {
    const elb = await ctx.aws.get("elbv2");
    return (await orUndefined(elb.send(new DescribeListenersCommand({ ListenerArns: [l.ListenerArn!] }))))?.Listeners?.[0];
  },
  describe: (l) => ({
    id: l.ListenerArn!,
    state: `${l.Protocol}:${l.Port}`,
    healthy: true,
    details: {
      action: (l.DefaultActions ?? []).map(actionKey).join("; "),
      sslPolicy: l.SslPolicy,
      certificate: l.Certificates?.[0]?.CertificateArn,
    },
  }),
  outputs: (l) => ({ id: l.ListenerArn!, arn: l.ListenerArn! }),
};
