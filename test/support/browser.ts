/**
 * Chromium for the browser tests: playwright-core driving the system's chromium (Debian's package, which .ci/run
 * installs with apt). WebGL (sigma) runs on SwiftShader, the software renderer, so no GPU is needed.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { PROJECT_ROOT } from "./cli.js";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The chromium binary, or undefined (the browser tests then skip, saying why). */
export const CHROMIUM = process.env.TOOLFLOW_CHROMIUM ?? CANDIDATES.find((p) => existsSync(p));

export const NO_CHROMIUM = `no chromium at ${CANDIDATES.join(", ")} (set TOOLFLOW_CHROMIUM, or run .ci/run, which installs it with apt)`;

export function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error(NO_CHROMIUM);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist", "--no-sandbox"],
  });
}

/** Where screenshots go (kept after the tests, not committed). */
export function artifactPath(name: string): string {
  const dir = join(PROJECT_ROOT, "test-artifacts");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/**
 * Wait until the report page is drawn (`window.toolflowReport.ready`). A function, not a string: the page's
 * Content-Security-Policy has no 'unsafe-eval', and playwright evaluates a string predicate with eval in the page.
 */
export async function waitForReport(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as { toolflowReport?: { ready?: boolean } }).toolflowReport?.ready === true);
}

/** Record every Content-Security-Policy violation of the pages `page` loads from now on (read with `cspViolations`). */
export async function recordCspViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const g = globalThis as unknown as {
      __violations: string[];
      addEventListener: (t: string, f: (e: { violatedDirective: string; blockedURI: string }) => void) => void;
    };
    g.__violations = [];
    g.addEventListener("securitypolicyviolation", (e) => g.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

/** The CSP violations recorded so far (`directive blocked-uri` each). */
export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { __violations?: string[] }).__violations ?? ["(not recording)"]);
}
