import { Command } from "commander";

/** `opsctl config schema`: the JSON Schema of opsctl.config.json, for editor completion. */
export function configCommand(): Command {
  const config = new Command("config").description("config file helpers");
  config
    .command("schema")
    .description("print the JSON Schema of opsctl.config.json (save it and point \"$schema\" at it)")
    .action(async () => {
      const { z } = await import("zod");
      const { configSchema } = await import("../src/config/schema.js");
      const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
      const { printJson } = await import("../src/output/print.js");
      printJson({ ...schema, title: "opsctl.config.json" });
    });
  return config;
}
