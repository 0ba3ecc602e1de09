import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApp, startEnv, signupAndLogin, type TestEnv, type TestApp } from "./helpers/harness.js";

let env: TestEnv;
let t: TestApp;
beforeAll(async () => {
  env = await startEnv();
  t = await makeApp(env);
});
afterAll(async () => {
  await t?.close();
  await env?.stop();
});

describe("smoke", () => {
  it("signs up and logs in", async () => {
    const u = await signupAndLogin(t.app, env.mail);
    const me = await t.app.inject({ method: "GET", url: "/v1/me", headers: { authorization: `Bearer ${u.token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: u.email, emailVerified: true });
  });
});
