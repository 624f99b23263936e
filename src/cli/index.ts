/**
 * The `toolflow` command line: `main` is what bin/toolflow.js runs (returns the exit code).
 */
export { main } from "./main.js";
