/** Token counts of texts (gpt-tokenizer, o200k encoding): the model layer's usage estimates and the dataset figures. */
import { createRequire } from "node:module";

type CountTokens = (text: string) => number;
type EncodeTokens = (text: string) => number[];
let countTokens: CountTokens | undefined;
let encode: EncodeTokens | undefined;

/**
 * gpt-tokenizer, loaded (synchronously, through its CommonJS build) on first use: its tables take over a second
 * to load, and most runs never need them.
 */
function tokenizer(): CountTokens {
  if (!countTokens) {
    const mod = createRequire(import.meta.url)("gpt-tokenizer") as { countTokens: CountTokens; encode: EncodeTokens };
    countTokens = mod.countTokens;
    encode = mod.encode;
  }
  return countTokens;
}

/** The tokens of a text (o200k encoding), e.g. to compare prompt prefixes. */
export function encodeTokens(text: string): number[] {
  if (text === "") return [];
  tokenizer();
  return encode!(text);
}

/** Tokens of a text (o200k encoding). */
export function estimateTokens(text: string): number {
  return text === "" ? 0 : tokenizer()(text);
}

