/**
 * Secrets Manager access with a short in-memory cache, so that a rotated secret is picked up within
 * the cache lifetime (a few minutes) without a redeploy.
 */
import { GetSecretValueCommand, SecretsManagerClient, ResourceNotFoundException } from "@aws-sdk/client-secrets-manager";

/** A version stage of a secret: AWSCURRENT signs and is used; AWSPREVIOUS is kept for verification only. */
export type VersionStage = "AWSCURRENT" | "AWSPREVIOUS";

/** Reads JSON secrets by ARN and stage. */
export interface SecretSource {
  /** The parsed JSON secret string, or `undefined` when that stage does not exist. */
  getJson(arn: string, stage?: VersionStage, opts?: { fresh?: boolean }): Promise<unknown>;
}

/** {@link SecretSource} over the AWS SDK, caching each (arn, stage) for `ttlMs`. */
export class SecretsManagerSource implements SecretSource {
  private readonly cache = new Map<string, { at: number; value: unknown }>();
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
    private readonly ttlMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  async getJson(arn: string, stage: VersionStage = "AWSCURRENT", opts: { fresh?: boolean } = {}): Promise<unknown> {
    const key = `${stage} ${arn}`;
    const hit = this.cache.get(key);
    if (hit && !opts.fresh && this.now() - hit.at < this.ttlMs) return hit.value;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.fetch(arn, stage)
      .then((value) => {
        this.cache.set(key, { at: this.now(), value });
        return value;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async fetch(arn: string, stage: VersionStage): Promise<unknown> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
      if (out.SecretString === undefined) throw new Error(`secret ${arn} has no SecretString`);
      return JSON.parse(out.SecretString) as unknown;
    } catch (e) {
      // A secret that was never rotated has no AWSPREVIOUS version: GetSecretValue answers
      // ResourceNotFoundException for the missing stage (documented under GetSecretValue "Errors").
      if (stage === "AWSPREVIOUS" && e instanceof ResourceNotFoundException) return undefined;
      throw e;
    }
  }
}
