import { beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand } from "@aws-sdk/client-rds";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { inspect, opsctl, sandboxWrites, workdir } from "../helpers/cli.js";
import { parseLocalPort, printedCommand, tunnelArgv, type TunnelTarget } from "../../src/operations/tunnel.js";
import { InputError } from "../../src/engine/errors.js";

/** What the fake ssh saw: its argv, and the key file's mode and contents while it ran. */
interface SshRecord {
  argv: string[];
  keyFile: string;
  keyMode: number;
  key: string;
  keyDirMode: number;
}

/**
 * A stand-in for ssh (OPSCTL_SSH): records what it was given into FAKE_SSH_OUT, then exits with
 * FAKE_SSH_EXIT, or with FAKE_SSH_WAIT keeps running until a signal ends it.
 */
function fakeSsh(dir: string): string {
  const p = join(dir, "fake-ssh.mjs");
  writeFileSync(
    p,
    `#!${process.execPath}
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
const argv = process.argv.slice(2);
const keyFile = argv[argv.indexOf("-i") + 1];
const rec = { argv, keyFile, keyMode: statSync(keyFile).mode & 0o777, keyDirMode: statSync(dirname(keyFile)).mode & 0o777, key: readFileSync(keyFile, "utf8") };
writeFileSync(process.env.FAKE_SSH_OUT, JSON.stringify(rec));
if (process.env.FAKE_SSH_WAIT) setInterval(() => undefined, 1000);
else process.exit(Number(process.env.FAKE_SSH_EXIT ?? 0));
`,
  );
  chmodSync(p, 0o755);
  return p;
}

/** Reads (calls) the sandbox has answered over the life of a state file. */
function sandboxReads(state: string): number {
  if (!existsSync(state)) return 0;
  return (JSON.parse(readFileSync(state, "utf8")) as { calls?: { read: number } }).calls?.read ?? 0;
}

async function target(state: string): Promise<{ ip: string; host: string; port: number }> {
  return inspect(state, async (aws) => {
    const i = await (await aws.get("ec2")).send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:opsctl:node", Values: ["instance:bastion"] }, { Name: "instance-state-name", Values: ["running"] }] }));
    const db = await (await aws.get("rds")).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "demo-main" }));
    return { ip: i.Reservations![0].Instances![0].PublicIpAddress!, host: db.DBInstances![0].Endpoint!.Address!, port: db.DBInstances![0].Endpoint!.Port! };
  });
}

const expectedArgv = (ssh: string, keyFile: string, home: string, t: { ip: string; host: string; port: number }, local = 3306) => [
  ssh,
  "-i",
  keyFile,
  "-N",
  "-L",
  `127.0.0.1:${local}:${t.host}:${t.port}`,
  "-o",
  "ExitOnForwardFailure=yes",
  "-o",
  "StrictHostKeyChecking=accept-new",
  "-o",
  `UserKnownHostsFile=${join(home, ".opsctl", "known_hosts")}`,
  "-o",
  "ServerAliveInterval=30",
  `ec2-user@${t.ip}`,
];

const errors = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("error:"));

describe("tunnel: flags and the ssh command line (BAS-03)", () => {
  it("--local-port is an integer 1..65535 (default 3306)", () => {
    expect(parseLocalPort(undefined)).toBe(3306);
    expect(parseLocalPort("13306")).toBe(13306);
    expect(parseLocalPort("1")).toBe(1);
    expect(parseLocalPort("65535")).toBe(65535);
    for (const bad of ["0", "65536", "70000", "-1", "3306.5", "1e3", "abc", ""]) {
      expect(() => parseLocalPort(bad), bad).toThrow(InputError);
      expect(() => parseLocalPort(bad), bad).toThrow(/^--local-port: /);
    }
  });

  it("the printed command quotes what a shell would split, keeps the key placeholder and says how to get the key", () => {
    const t: TunnelTarget = { env: "demo", bastion: { instanceId: "i-1", publicIp: "198.51.100.7", state: "running" }, database: { identifier: "demo-main", host: "db.example", port: 3306, status: "available" } };
    const argv = tunnelArgv({ ssh: "ssh", keyFile: "<key-file>", localPort: 3306, target: t, knownHosts: "/home/o p/.opsctl/known_hosts" });
    expect(printedCommand(argv)).toBe(
      "ssh -i <key-file> -N -L 127.0.0.1:3306:db.example:3306 -o ExitOnForwardFailure=yes -o StrictHostKeyChecking=accept-new -o 'UserKnownHostsFile=/home/o p/.opsctl/known_hosts' -o ServerAliveInterval=30 ec2-user@198.51.100.7\n" +
        "# <key-file>: the bastion's private key; `opsctl ssh-key --out FILE` writes it (mode 0600)\n",
    );
  });
});

describe("opsctl tunnel (BAS-03: the bastion reaches RDS; CLI, one sandbox for the file)", () => {
  const w = workdir();
  let ssh = "";
  const out = join(w.dir, "fake-ssh.json");
  // opsctl's temp folder, to see what it leaves behind.
  const tmp = join(w.dir, "tmp");
  // HOME is the scratch folder: ~/.opsctl/known_hosts is made there, not in the real home.
  const env = (extra: Record<string, string> = {}) => ({ HOME: w.dir, TMPDIR: tmp, OPSCTL_SSH: ssh, FAKE_SSH_OUT: out, ...extra });

  beforeAll(() => {
    ssh = fakeSsh(w.dir);
    mkdirSync(tmp);
  });

  it("before `up`: exit 2, run `opsctl up` first, 0 writes, ssh not started", () => {
    const r = opsctl(["tunnel", "--sandbox"], { ...w, env: env() });
    expect(r.code, r.stderr).toBe(2);
    expect(errors(r.stderr)).toEqual(["error: env: environment demo has no bastion and no database in eu-west-1 — run `opsctl up` first"]);
    expect(existsSync(out)).toBe(false);
    expect(sandboxWrites(w.state)).toBe(0);
  });

  it("--local-port 70000: exit 2 naming --local-port, 0 AWS calls", () => {
    const reads = sandboxReads(w.state);
    const r = opsctl(["tunnel", "--sandbox", "--local-port", "70000"], { ...w, env: env() });
    expect(r.code).toBe(2);
    expect(errors(r.stderr)).toEqual(['error: --local-port: "70000" is not a port number — use an integer from 1 to 65535, e.g. --local-port 13306']);
    expect(sandboxReads(w.state)).toBe(reads);
    expect(sandboxWrites(w.state)).toBe(0);
  });

  it("after `up`: runs ssh with the exact argv and the bastion's key in a private temp file, removed afterwards; 0 writes", async () => {
    const up = opsctl(["up", "--sandbox"], w);
    expect(up.code, up.stderr).toBe(0);
    const t = await target(w.state);
    const writes = sandboxWrites(w.state);

    const r = opsctl(["tunnel", "--sandbox"], { ...w, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const rec = JSON.parse(readFileSync(out, "utf8")) as SshRecord;
    expect(rec.argv).toEqual(expectedArgv(ssh, rec.keyFile, w.dir, t).slice(1));
    expect(rec.keyFile.startsWith(join(tmp, "opsctl-tunnel-"))).toBe(true);
    expect(rec.keyMode).toBe(0o600);
    expect(rec.keyDirMode).toBe(0o700);
    const printed = opsctl(["ssh-key", "--sandbox"], w);
    expect(printed.code).toBe(0);
    expect(rec.key).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(rec.key).toBe(printed.stdout);
    expect(existsSync(rec.keyFile)).toBe(false);
    expect(existsSync(resolve(rec.keyFile, ".."))).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    expect(r.stderr).toContain(`tunnel: 127.0.0.1:3306 -> ${t.host}:${t.port} through ec2-user@${t.ip} (Ctrl-C to close)\n`);
    expect(r.stdout).toBe("");
    expect(sandboxWrites(w.state)).toBe(writes);

    // Another local port goes into -L.
    const p = opsctl(["tunnel", "--sandbox", "--local-port", "13306"], { ...w, env: env() });
    expect(p.code, p.stderr).toBe(0);
    expect((JSON.parse(readFileSync(out, "utf8")) as SshRecord).argv[4]).toBe(`127.0.0.1:13306:${t.host}:${t.port}`);
  });

  it("ssh's exit code is opsctl's (255: ssh could not connect), and the key is removed", () => {
    const r = opsctl(["tunnel", "--sandbox"], { ...w, env: env({ FAKE_SSH_EXIT: "255" }) });
    expect(r.code).toBe(255);
    const rec = JSON.parse(readFileSync(out, "utf8")) as SshRecord;
    expect(existsSync(resolve(rec.keyFile, ".."))).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("SIGTERM to opsctl goes on to ssh; the key folder is removed and opsctl exits 143", async () => {
    writeFileSync(out, "");
    const child = spawn(process.execPath, [resolve("bin/opsctl.js"), "tunnel", "--sandbox"], {
      cwd: w.dir,
      env: { ...process.env, CI: "true", OPSCTL_SANDBOX_STATE: w.state, OPSCTL_QUIET_NODE: "1", ...env({ FAKE_SSH_WAIT: "1" }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    const deadline = Date.now() + 60_000;
    while (readFileSync(out, "utf8") === "" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const rec = JSON.parse(readFileSync(out, "utf8")) as SshRecord;
    expect(existsSync(rec.keyFile)).toBe(true);
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(existsSync(resolve(rec.keyFile, ".."))).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("--print: the command on stdout with a <key-file> placeholder and the ssh-key hint; ssh not started, no key file", async () => {
    const t = await target(w.state);
    writeFileSync(out, "");
    const r = opsctl(["tunnel", "--sandbox", "--print"], { ...w, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const [command, hint, rest] = r.stdout.split("\n");
    expect(command).toBe(expectedArgv(ssh, "<key-file>", w.dir, t).join(" "));
    expect(hint).toBe("# <key-file>: the bastion's private key; `opsctl ssh-key --out FILE` writes it (mode 0600)");
    expect(rest).toBe("");
    expect(readFileSync(out, "utf8")).toBe("");
    expect(readdirSync(tmp)).toEqual([]);
    expect(r.stderr).not.toContain("tunnel: 127.0.0.1");
  });

  it("--sandbox without OPSCTL_SSH: prints the command and says no ssh started (the bastion is simulated)", async () => {
    const t = await target(w.state);
    const r = opsctl(["tunnel", "--sandbox"], { ...w, env: { HOME: w.dir, OPSCTL_SSH: "" } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe(expectedArgv("ssh", "<key-file>", w.dir, t).join(" "));
    expect(r.stderr).toContain("sandbox: simulated bastion, no ssh started\n");
  });

  it("ssh that cannot be found: one line naming it and the fix", () => {
    const r = opsctl(["tunnel", "--sandbox"], { ...w, env: env({ OPSCTL_SSH: join(w.dir, "no-such-ssh") }) });
    expect(r.code).toBe(1);
    expect(readdirSync(tmp)).toEqual([]);
    expect(errors(r.stderr)).toEqual([`error: cannot run ${join(w.dir, "no-such-ssh")}: not found (not installed or not on PATH) — point OPSCTL_SSH at an ssh client, or unset it to use ssh from PATH`]);
  });

  it("after `opsctl pause --yes`: exit 2, run `opsctl restore` first, 0 writes, ssh not started", () => {
    const pause = opsctl(["pause", "--sandbox", "--yes"], w);
    expect(pause.code, pause.stderr).toBe(0);
    const writes = sandboxWrites(w.state);
    writeFileSync(out, "");
    const r = opsctl(["tunnel", "--sandbox"], { ...w, env: env() });
    expect(r.code).toBe(2);
    const e = errors(r.stderr);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^error: env: environment demo is paused: the bastion i-[0-9a-f]+ is stopped and the database demo-main is stopped — run `opsctl restore` first$/);
    expect(readFileSync(out, "utf8")).toBe("");
    expect(sandboxWrites(w.state)).toBe(writes);
  });

  it("after `restore`, a database that is not available yet (here: modifying): exit 2 saying its status", async () => {
    const restore = opsctl(["restore", "--sandbox"], w);
    expect(restore.code, restore.stderr).toBe(0);
    // A change applied at once puts the instance in `modifying` for a while (simulated time stands still between runs).
    await inspect(w.state, async (aws) => {
      await (await aws.get("rds")).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "demo-main", ApplyImmediately: true, CloudwatchLogsExportConfiguration: { DisableLogTypes: ["general"] } }));
    }, true);
    const writes = sandboxWrites(w.state);
    writeFileSync(out, "");
    const r = opsctl(["tunnel", "--sandbox"], { ...w, env: env() });
    expect(r.code).toBe(2);
    expect(errors(r.stderr)).toEqual(["error: env: the database demo-main of environment demo is modifying, not available yet — wait until it is available and try again (`opsctl status` shows it)"]);
    expect(readFileSync(out, "utf8")).toBe("");
    expect(sandboxWrites(w.state)).toBe(writes);
  });
});
