/**
 * Shared pieces of the model-layer tests: an OpenAI chat model on the local test server (closed after each test),
 * a tool and a JSON Schema to ask for.
 */
import { afterEach } from "vitest";
import { OpenAIChatModel, type ChatTool, type OpenAIModelOptions } from "../../src/llm/index.js";
import { startOpenAIServer, type OpenAIServer, type OpenAIServerOptions } from "./openai-server.js";

/**
 * `setup(serverOptions, modelOptions)` for a test file: starts the local server with `key` and gives an
 * OpenAIChatModel on it (short timeouts and retries, log lines collected); the server is closed after each test.
 */
export function openAIModelOnTestServer(key: string) {
  let server: OpenAIServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return async (serverOptions: OpenAIServerOptions, modelOptions: OpenAIModelOptions = {}) => {
    server = await startOpenAIServer({ apiKey: key, ...serverOptions });
    const logs: string[] = [];
    const model = new OpenAIChatModel("test-model", {
      baseURL: server.baseURL,
      apiKey: key,
      timeoutMs: 2000,
      retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 },
      log: (l) => logs.push(l),
      ...modelOptions,
    });
    return { server, model, logs };
  };
}

export const userSays = (content: string) => [{ role: "user" as const, content }];

export const WEATHER_TOOL: ChatTool = {
  name: "get_weather",
  description: "Current weather for a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string", minLength: 2 }, unit: { enum: ["celsius", "fahrenheit"] } },
    required: ["city"],
    additionalProperties: false,
  },
};

export const PLAN_SCHEMA = {
  type: "object",
  properties: {
    steps: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        properties: { id: { type: "integer", minimum: 1 }, intent: { type: "string", minLength: 1 } },
        required: ["id", "intent"],
      },
    },
  },
  required: ["steps"],
  additionalProperties: false,
};
