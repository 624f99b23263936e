/**
 * The `toolflow` command line: `main` (what bin/toolflow.js runs) and the commander program it parses with.
 */
export { main, buildProgram, VERSION } from "./main.js";
