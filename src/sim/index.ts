/**
 * The offline simulator: one model backend (`sim`) that answers every agent of the pipeline without a model, from
 * the context the agents put on each request. It reads the agents' public types; nothing imports it but the
 * model factory (src/models) and tests. Sim output is readable and verifiable but is not real data.
 */
export { createSimModel, SIM_MODEL_ID } from "./model.js";
export { schemaExample, type SchemaExampleOptions } from "./schema-example.js";
