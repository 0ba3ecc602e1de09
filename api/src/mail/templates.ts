/** Mail texts. Tokens appear in a `token: <token>` line besides the link (SPEC.md), so tooling can read them. */
import type { Mail } from "./mailer.js";

function link(publicUrl: string, path: string, token: string): string {
  // The token travels in the fragment, which browsers never send to servers or in Referer headers.
  return `${publicUrl.replace(/\/$/, "")}${path}#token=${encodeURIComponent(token)}`;
}

export function verificationMail(to: string, publicUrl: string, token: string): Mail {
  return {
    to,
    subject: "Confirm your e-mail address",
    text: `Confirm your e-mail address by opening this link within 24 hours:\n\n${link(publicUrl, "/verify-email", token)}\n\ntoken: ${token}\n\nIf you did not sign up, ignore this mail.\n`,
  };
}

export function accountExistsMail(to: string, publicUrl: string): Mail {
  return {
    to,
    subject: "You already have an account",
    text: `Someone tried to sign up with this e-mail address, which already has an account.\nIf it was you, log in or reset your password at ${publicUrl.replace(/\/$/, "")}/forgot-password.\nIf not, ignore this mail.\n`,
  };
}

export function resetMail(to: string, publicUrl: string, token: string): Mail {
  return {
    to,
    subject: "Reset your password",
    text: `Reset your password by opening this link within 30 minutes:\n\n${link(publicUrl, "/reset-password", token)}\n\ntoken: ${token}\n\nIf you did not ask for this, ignore this mail; your password stays as it is.\n`,
  };
}

export function passwordChangedMail(to: string, how: "changed" | "reset"): Mail {
  return {
    to,
    subject: "Your password was changed",
    text: `The password of your account was ${how} at ${new Date().toISOString()}, and your other sessions were ended.\nIf this was not you, reset your password at once and contact support.\n`,
  };
}
