import table from "./aws-durations.json" with { type: "json" };

/** Names of the AWS operations whose durations are known (see aws-durations.json and its sources). */
export type OperationName = keyof typeof table.operations;

/** Typical duration of an AWS operation in milliseconds (drives the sandbox clock and plan estimates). */
export function typicalMs(op: OperationName): number {
  return table.operations[op].typical * 1000;
}

/** Slow-case duration in milliseconds: the budget for waiting on the operation. */
export function slowMs(op: OperationName): number {
  return table.operations[op].slow * 1000;
}

/** Where the figures come from. */
export const durationSources: readonly string[] = table.sources;
