import Table from "cli-table3";

/** A plain table for the terminal (no colours when not a TTY). */
export function renderTable(head: string[], rows: (string | number | undefined)[][], color: boolean): string {
  const t = new Table({ head, style: { head: color ? ["cyan"] : [], border: color ? ["grey"] : [] }, wordWrap: true });
  for (const r of rows) t.push(r.map((c) => (c === undefined ? "" : String(c))));
  return t.toString();
}
