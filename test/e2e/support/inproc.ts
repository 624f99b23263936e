/**
 * Run the toolflow CLI inside the test process (fast: no process start), capturing stdout and stderr.
 */
import { vi } from "vitest";
import { main } from "../../../src/cli/main.js";

export async function cliInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => {
    stdout += typeof c === "string" ? c : Buffer.from(c).toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => {
    stderr += typeof c === "string" ? c : Buffer.from(c).toString();
    return true;
  });
  try {
    const code = await main(["node", "toolflow", ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
