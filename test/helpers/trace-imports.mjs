// Preloaded with `node --import` by the CLI tests: reports every @aws-sdk module the process resolves.
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(
      "export async function resolve(s, c, n) { const r = await n(s, c); if (r.url.includes('@aws-sdk')) console.error('SDK-LOADED ' + r.url); return r; }",
    ),
);
