export * from "./errors.js";
export * from "./fs.js";
export * from "./rng.js";
export * from "./types.js";
