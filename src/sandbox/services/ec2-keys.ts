/** Key material for the simulated EC2 CreateKeyPair / ImportKeyPair (behaviour: ec2.md). */
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";

function sshString(b: Buffer | string): Buffer {
  const buf = typeof b === "string" ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

function mpint(b: Buffer): Buffer {
  return sshString(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

function wrap(b64: string, width: number): string {
  return b64.match(new RegExp(`.{1,${width}}`, "g"))!.join("\n");
}

export interface GeneratedKey {
  /** The private key as AWS returns it in KeyMaterial. */
  material: string;
  /** `ssh-ed25519 AAAA…` / `ssh-rsa AAAA…` (DescribeKeyPairs IncludePublicKey). */
  publicKey: string;
  fingerprint: string;
}

/**
 * A real key pair. ed25519: OpenSSH private key format (`-----BEGIN OPENSSH PRIVATE KEY-----`), fingerprint
 * = base64 SHA-256 of the public key blob (what AWS shows for ed25519). rsa: PKCS#1 PEM
 * (`-----BEGIN RSA PRIVATE KEY-----`), fingerprint = SHA-1 of the PKCS#8 DER, colon-separated hex (AWS's form
 * for keys it creates).
 */
export function generateKey(type: "ed25519" | "rsa", comment: string): GeneratedKey {
  if (type === "rsa") {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const material = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const der = privateKey.export({ type: "pkcs8", format: "der" });
    const fingerprint = createHash("sha1").update(der).digest("hex").match(/../g)!.join(":");
    const jwk = publicKey.export({ format: "jwk" });
    const blob = Buffer.concat([sshString("ssh-rsa"), mpint(Buffer.from(jwk.e!, "base64url")), mpint(Buffer.from(jwk.n!, "base64url"))]);
    return { material, publicKey: `ssh-rsa ${blob.toString("base64")}`, fingerprint };
  }
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const pub = Buffer.from(jwk.x!, "base64url");
  const seed = Buffer.from(jwk.d!, "base64url");
  const pubBlob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
  const check = randomBytes(4);
  let priv = Buffer.concat([check, check, sshString("ssh-ed25519"), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const pad: number[] = [];
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const nkeys = Buffer.alloc(4);
  nkeys.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    nkeys,
    sshString(pubBlob),
    sshString(priv),
  ]);
  const material = `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrap(body.toString("base64"), 70)}\n-----END OPENSSH PRIVATE KEY-----\n`;
  return { material, publicKey: `ssh-ed25519 ${pubBlob.toString("base64")}`, fingerprint: createHash("sha256").update(pubBlob).digest("base64") };
}

/** Reads an imported OpenSSH public key line (`ssh-ed25519 AAAA… comment`); undefined when it is not one. */
export function importPublicKey(material: Uint8Array | string): { type: "ed25519" | "rsa"; publicKey: string; fingerprint: string } | undefined {
  const text = typeof material === "string" ? material : Buffer.from(material).toString("utf8");
  const m = /^(ssh-ed25519|ssh-rsa)\s+([A-Za-z0-9+/=]+)/.exec(text.trim());
  if (!m) return undefined;
  const blob = Buffer.from(m[2], "base64");
  const type = m[1] === "ssh-rsa" ? "rsa" : "ed25519";
  // AWS: ed25519 -> base64 SHA-256 of the blob; imported RSA -> MD5 of the public key, colon hex.
  const fingerprint = type === "ed25519" ? createHash("sha256").update(blob).digest("base64") : createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
  return { type, publicKey: `${m[1]} ${m[2]}`, fingerprint };
}
