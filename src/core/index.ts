export * from "./ajv.js";
export * from "./errors.js";
export * from "./fs.js";
export * from "./json.js";
export * from "./rng.js";
export * from "./schema.js";
export * from "./size.js";
export * from "./types.js";
