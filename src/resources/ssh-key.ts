import { generateKeyPairSync, randomBytes } from "node:crypto";

/** An ED25519 key pair in OpenSSH formats. */
export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` (unencrypted), as `ssh-keygen -t ed25519` writes it. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment`, as ImportKeyPair and authorized_keys take it. */
  publicKey: string;
}

const str = (b: Buffer | string): Buffer => {
  const body = typeof b === "string" ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
};

/**
 * BAS-02: makes an ED25519 key pair with node's CSPRNG and encodes it in the
 * OpenSSH formats (PROTOCOL.key in the OpenSSH sources), so `ssh -i` reads it as is.
 */
export function generateSshKeyPair(comment: string): SshKeyPair {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const seed = Buffer.from(jwk.d!, "base64url");
  const pub = Buffer.from(jwk.x!, "base64url");
  const pubBlob = Buffer.concat([str("ssh-ed25519"), str(pub)]);
  const check = randomBytes(4);
  let priv = Buffer.concat([check, check, str("ssh-ed25519"), str(pub), str(Buffer.concat([seed, pub])), str(comment)]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const blob = Buffer.concat([Buffer.from("openssh-key-v1\0"), str("none"), str("none"), str(""), count, str(pubBlob), str(priv)]);
  const b64 = blob.toString("base64").replace(/.{1,70}/g, "$&\n");
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${pubBlob.toString("base64")} ${comment}`,
  };
}
