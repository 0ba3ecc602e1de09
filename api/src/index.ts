/** Public surface of the API package. */
export { generateSigningKey, parseSigningKey, paserkPublicId, PURPOSES, type Purpose, type SigningKey } from "./keys/signing-key.js";
export { buildApp, type AppDeps } from "./http/app.js";
export { startServer } from "./server.js";
export { loadConfig, type Config } from "./config/config.js";
