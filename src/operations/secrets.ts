import { createHash } from "node:crypto";
import { InputError } from "../engine/errors.js";
import { isCode } from "../aws/errors.js";
import type { Session } from "./session.js";

/*
 * SM-01, API-07: `opsctl secrets set smtp` replaces the placeholder SMTP credentials the data layer
 * created (`<env>/smtp`) with the operator's Gmail OAuth2 values. The two secret values never come
 * from argv (shell history, `ps`) and are never printed back.
 */

/** Secrets `opsctl secrets set` can set. */
export const SETTABLE_SECRETS = ["smtp"] as const;
export type SettableSecret = (typeof SETTABLE_SECRETS)[number];

/** The SMTP secret's JSON value (the API's mailer reads these four fields). */
export interface SmtpSecret {
  user: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** The fields in the order they are reported. */
export const SMTP_FIELDS = ["user", "clientId", "clientSecret", "refreshToken"] as const;
/** Fields whose values are secret: read from stdin or a hidden prompt only. */
export const HIDDEN_FIELDS = ["clientSecret", "refreshToken"] as const;

const FLAG: Record<(typeof SMTP_FIELDS)[number], string> = { user: "--user", clientId: "--client-id", clientSecret: "client secret (stdin)", refreshToken: "refresh token (stdin)" };

/** `smtp` or exit 2 listing the secrets that can be set. */
export function settableSecret(name: string): SettableSecret {
  if ((SETTABLE_SECRETS as readonly string[]).includes(name)) return name as SettableSecret;
  throw new InputError("secret", `unknown secret "${name}": opsctl secrets set takes one of: ${SETTABLE_SECRETS.join(", ")}`, "e.g. opsctl secrets set smtp --user me@gmail.com --client-id …");
}

/**
 * The two hidden values from stdin: either a JSON object `{"clientSecret": …, "refreshToken": …}` or
 * two lines (client secret, then refresh token). Anything else is bad input naming the expected shape.
 */
export function parseHiddenInput(text: string): Pick<SmtpSecret, "clientSecret" | "refreshToken"> {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      throw new InputError("stdin", "is not valid JSON", `give {"clientSecret": "…", "refreshToken": "…"} or two lines`);
    }
    const d = doc as Record<string, unknown>;
    return { clientSecret: typeof d.clientSecret === "string" ? d.clientSecret : "", refreshToken: typeof d.refreshToken === "string" ? d.refreshToken : "" };
  }
  const lines = trimmed.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length > 2) throw new InputError("stdin", `has ${lines.length} lines; expected 2 (client secret, then refresh token)`, `or JSON {"clientSecret": "…", "refreshToken": "…"}`);
  return { clientSecret: lines[0] ?? "", refreshToken: lines[1] ?? "" };
}

/** A pragmatic e-mail check (local@domain.tld); the mail provider has the final word. */
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;

/**
 * All four fields present, not the placeholders the data layer wrote (`CHANGE_ME`), and `user` an e-mail.
 * @throws InputError (exit 2) naming the first bad field; never echoes a hidden value.
 */
export function validateSmtp(v: Partial<SmtpSecret>): SmtpSecret {
  for (const f of SMTP_FIELDS) {
    const value = v[f];
    if (value === undefined || value.trim() === "") throw new InputError(FLAG[f], "is required", f === "user" || f === "clientId" ? `pass ${FLAG[f]} …` : "pipe the client secret and the refresh token on stdin (two lines), or run in a terminal to be prompted");
    if (value.includes("CHANGE_ME")) throw new InputError(FLAG[f], "is still the placeholder CHANGE_ME", "give the real value");
  }
  if (!EMAIL_RE.test(v.user!.trim())) throw new InputError("--user", `"${v.user}" is not an e-mail address`, "the Gmail account that sends the mail, e.g. noreply@example.com");
  return { user: v.user!.trim(), clientId: v.clientId!.trim(), clientSecret: v.clientSecret!.trim(), refreshToken: v.refreshToken!.trim() };
}

/** The secret's name for an environment (plans/data.ts creates it). */
export const smtpSecretName = (env: string): string => `${env}/smtp`;

/**
 * PutSecretValue's ClientRequestToken for this value on top of `currentVersionId`: a retry of the same
 * change is a no-op, and setting an earlier value again still makes a new version. (Reusing a token whose
 * version holds the same value is silently ignored by Secrets Manager and would leave AWSCURRENT where it
 * is: PutSecretValue reference, ClientRequestToken.)
 */
export function versionToken(currentVersionId: string, value: string): string {
  const h = createHash("sha256").update(currentVersionId).update("\0").update(value).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** What `secrets set smtp` did. */
export interface SecretSetResult {
  name: string;
  /** Fields whose value differs from the stored one (names only). */
  changed: string[];
  /** The new version id (absent when nothing changed). */
  versionId?: string;
}

/**
 * Sets `<env>/smtp` to `value`: reads the current value, writes a new version only when a field
 * differs (0 writes otherwise). The secret must exist (`opsctl up` creates it).
 */
export async function setSmtpSecret(session: Session, value: SmtpSecret): Promise<SecretSetResult> {
  const { GetSecretValueCommand, PutSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  const sm = await session.aws.get("secrets");
  const name = smtpSecretName(session.config.env);
  let current: { SecretString?: string; VersionId?: string };
  try {
    current = await sm.send(new GetSecretValueCommand({ SecretId: name }));
  } catch (e) {
    if (isCode(e, "ResourceNotFoundException")) throw new InputError("env", `secret ${name} of environment ${session.config.env} does not exist`, "run `opsctl up` first");
    // A secret scheduled for deletion by `down` answers InvalidRequestException.
    if (isCode(e, "InvalidRequestException")) throw new InputError("env", `secret ${name} is scheduled for deletion`, "run `opsctl up` to restore it first");
    throw e;
  }
  let old: Partial<SmtpSecret> = {};
  try {
    old = JSON.parse(current.SecretString ?? "{}") as Partial<SmtpSecret>;
  } catch {
    // Not JSON (set by hand): every field counts as changed.
  }
  const changed = SMTP_FIELDS.filter((f) => old[f] !== value[f]);
  if (changed.length === 0) return { name, changed };
  const text = JSON.stringify(Object.fromEntries(SMTP_FIELDS.map((f) => [f, value[f]])));
  const r = await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: text, ClientRequestToken: versionToken(current.VersionId ?? "", text) }));
  return { name, changed, versionId: r.VersionId };
}
