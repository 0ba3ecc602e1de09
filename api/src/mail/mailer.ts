/**
 * Outgoing mail (API-07). In AWS, Nodemailer's Gmail OAuth2 transport with the refresh-token flow,
 * credentials from the SMTP secret (re-read when the cache expires, so a rotation needs no redeploy);
 * locally a plain SMTP transport from SMTP_URL (mail catchers).
 */
import nodemailer, { type Transporter } from "nodemailer";
import type { SecretSource } from "../config/secrets.js";

/** One message. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends mail. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** The SMTP secret format (SPEC.md contract). */
export interface SmtpSecret {
  user: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** Options for the Gmail transport; `host`/`port`/`secure`/`accessUrl` exist for tests against fakes. */
export interface GmailOptions {
  host?: string;
  port?: number;
  secure?: boolean;
  accessUrl?: string;
}

/** Plain SMTP from `smtp://host:port` (no auth, for local mail catchers). */
export function smtpUrlMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
    close: () => transport.close(),
  };
}

/** Gmail with OAuth2 (XOAUTH2), credentials from the SMTP secret. */
export function gmailMailer(secrets: SecretSource, arn: string, from: string, opts: GmailOptions = {}): Mailer {
  let current: { fingerprint: string; transport: Transporter } | undefined;
  const transport = async (): Promise<Transporter> => {
    const s = (await secrets.getJson(arn)) as Partial<SmtpSecret> | undefined;
    if (!s?.user || !s.clientId || !s.clientSecret || !s.refreshToken) throw new Error("SMTP secret needs user, clientId, clientSecret, refreshToken");
    const fingerprint = JSON.stringify([s.user, s.clientId, s.clientSecret, s.refreshToken]);
    if (current?.fingerprint === fingerprint) return current.transport;
    current?.transport.close();
    const t = nodemailer.createTransport({
      host: opts.host ?? "smtp.gmail.com",
      port: opts.port ?? 465,
      secure: opts.secure ?? true,
      auth: {
        type: "OAuth2",
        user: s.user,
        clientId: s.clientId,
        clientSecret: s.clientSecret,
        refreshToken: s.refreshToken,
        ...(opts.accessUrl ? { accessUrl: opts.accessUrl } : {}),
      },
    });
    current = { fingerprint, transport: t };
    return t;
  };
  return {
    async send(mail) {
      await (await transport()).sendMail({ from, ...mail });
    },
    close: () => current?.transport.close(),
  };
}
