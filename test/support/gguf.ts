/**
 * A small writer of the GGUF v3 file format (the model format of llama.cpp), and a generator of a tiny
 * `llama`-architecture model with random F32 weights and a character-level SentencePiece ("llama") vocabulary.
 *
 * The tests of the `llama:` backend use it to run node-llama-cpp for real without downloading any weights:
 * the model is nonsense (random weights), but it loads, evaluates, samples, and obeys grammars like any other.
 *
 * Layout of a GGUF v3 file (all integers little-endian):
 *   magic "GGUF" | u32 version=3 | u64 tensor_count | u64 metadata_kv_count
 *   metadata KV * n:  string key | u32 value_type | value
 *   tensor info * n:  string name | u32 n_dims | u64 ne[n_dims] (ne[0] = innermost, contiguous) | u32 ggml_type |
 *                     u64 offset (relative to the start of the data section, a multiple of the alignment)
 *   padding to `general.alignment` (default 32) | tensor data (each tensor padded to the alignment)
 * where a string is u64 byte length + UTF-8 bytes, and an array value is u32 item_type | u64 count | items.
 */
import { writeFileAtomic } from "../../src/core/index.js";
import { Rng } from "../../src/core/index.js";

/** GGUF metadata value types (gguf_type). */
export const GGUF_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufScalarType = Exclude<keyof typeof GGUF_TYPE, "array">;
type GgufNumberType = Exclude<GgufScalarType, "bool" | "string">;

export type GgufScalarValue =
  | { type: GgufNumberType; value: number | bigint }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string };

export type GgufValue =
  | GgufScalarValue
  | { type: "array"; itemType: GgufScalarType; value: ReadonlyArray<number | bigint | boolean | string> };

/** Shorthands to build typed metadata values. */
export const gguf = {
  u8: (value: number): GgufValue => ({ type: "uint8", value }),
  i8: (value: number): GgufValue => ({ type: "int8", value }),
  u16: (value: number): GgufValue => ({ type: "uint16", value }),
  i16: (value: number): GgufValue => ({ type: "int16", value }),
  u32: (value: number): GgufValue => ({ type: "uint32", value }),
  i32: (value: number): GgufValue => ({ type: "int32", value }),
  f32: (value: number): GgufValue => ({ type: "float32", value }),
  u64: (value: number | bigint): GgufValue => ({ type: "uint64", value }),
  i64: (value: number | bigint): GgufValue => ({ type: "int64", value }),
  f64: (value: number): GgufValue => ({ type: "float64", value }),
  bool: (value: boolean): GgufValue => ({ type: "bool", value }),
  str: (value: string): GgufValue => ({ type: "string", value }),
  arr: (itemType: GgufScalarType, value: ReadonlyArray<number | bigint | boolean | string>): GgufValue => ({
    type: "array",
    itemType,
    value,
  }),
};

/** ggml tensor types this writer can store. */
export const GGML_TYPE = { F32: 0 } as const;

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the innermost (contiguous) dimension, e.g. token_embd.weight = [n_embd, n_vocab]. */
  dims: number[];
  data: Float32Array;
}

export interface GgufFile {
  metadata: Record<string, GgufValue>;
  tensors: GgufTensor[];
}

/** Thrown for a value or tensor that cannot be encoded (names the key or tensor). */
export class GgufWriteError extends Error {}

/** A growable little-endian byte sink. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  i8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.length);
    this.length += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }
  i16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16LE(v, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }
  u64(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  i64(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.bytes(b);
  }
  padTo(alignment: number): void {
    const rem = this.length % alignment;
    if (rem !== 0) {
      const n = alignment - rem;
      this.ensure(n);
      this.buf.fill(0, this.length, this.length + n);
      this.length += n;
    }
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeScalar(sink: ByteSink, type: GgufScalarType, value: unknown, key: string): void {
  const bad = (): never => {
    throw new GgufWriteError(`metadata "${key}": value ${String(value)} is not a valid ${type}`);
  };
  if (type === "string") {
    if (typeof value !== "string") bad();
    sink.str(value as string);
    return;
  }
  if (type === "bool") {
    if (typeof value !== "boolean") bad();
    sink.u8(value ? 1 : 0);
    return;
  }
  if (type === "uint64" || type === "int64") {
    if (typeof value !== "bigint" && !(typeof value === "number" && Number.isInteger(value))) bad();
    try {
      if (type === "uint64") sink.u64(value as number | bigint);
      else sink.i64(value as number | bigint);
    } catch {
      bad();
    }
    return;
  }
  if (typeof value !== "number") bad();
  const n = value as number;
  if (type === "float32") return sink.f32(n);
  if (type === "float64") return sink.f64(n);
  if (!Number.isInteger(n)) bad();
  try {
    switch (type) {
      case "uint8":
        return sink.u8(n);
      case "int8":
        return sink.i8(n);
      case "uint16":
        return sink.u16(n);
      case "int16":
        return sink.i16(n);
      case "uint32":
        return sink.u32(n);
      case "int32":
        return sink.i32(n);
    }
  } catch {
    bad();
  }
}

/** Encode a GGUF v3 file in memory. */
export function encodeGguf(file: GgufFile): Buffer {
  const alignmentValue = file.metadata["general.alignment"];
  let alignment = 32;
  if (alignmentValue !== undefined) {
    if (alignmentValue.type !== "uint32" || typeof alignmentValue.value !== "number" || alignmentValue.value <= 0 || alignmentValue.value % 8 !== 0) {
      throw new GgufWriteError(`metadata "general.alignment" must be a uint32 multiple of 8`);
    }
    alignment = alignmentValue.value;
  }

  const sink = new ByteSink();
  sink.bytes(Buffer.from("GGUF", "ascii"));
  sink.u32(3);
  sink.u64(file.tensors.length);
  const entries = Object.entries(file.metadata);
  sink.u64(entries.length);

  for (const [key, v] of entries) {
    sink.str(key);
    sink.u32(GGUF_TYPE[v.type]);
    if (v.type === "array") {
      sink.u32(GGUF_TYPE[v.itemType]);
      sink.u64(v.value.length);
      for (const item of v.value) writeScalar(sink, v.itemType, item, key);
    } else {
      writeScalar(sink, v.type, v.value, key);
    }
  }

  const names = new Set<string>();
  let offset = 0;
  const offsets: number[] = [];
  for (const t of file.tensors) {
    if (names.has(t.name)) throw new GgufWriteError(`tensor "${t.name}" appears twice`);
    names.add(t.name);
    if (t.dims.length < 1 || t.dims.length > 4 || t.dims.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new GgufWriteError(`tensor "${t.name}": dims must be 1 to 4 positive integers, got [${t.dims.join(", ")}]`);
    }
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new GgufWriteError(`tensor "${t.name}": dims [${t.dims.join(", ")}] hold ${count} values but data has ${t.data.length}`);
    }
    offsets.push(offset);
    offset += Math.ceil((count * 4) / alignment) * alignment;
  }
  file.tensors.forEach((t, i) => {
    sink.str(t.name);
    sink.u32(t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.u32(GGML_TYPE.F32);
    sink.u64(offsets[i] ?? 0);
  });

  sink.padTo(alignment);
  for (const t of file.tensors) {
    sink.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    sink.padTo(alignment);
  }
  // Little-endian hosts only: Float32Array bytes are written as they are in memory.
  return sink.result();
}

/** Write a GGUF file atomically. */
export async function writeGguf(path: string, file: GgufFile): Promise<void> {
  await writeFileAtomic(path, encodeGguf(file));
}

// ------------------------------------------------------------------ a tiny llama model

export interface TinyLlamaOptions {
  seed?: number;
  /** Transformer blocks (default 2). */
  blockCount?: number;
  /** Embedding width (default 64). */
  embeddingLength?: number;
  /** Attention heads (default 4) and KV heads (default 2, grouped-query attention). */
  headCount?: number;
  headCountKv?: number;
  /** FFN width (default 128). */
  feedForwardLength?: number;
  /** Trained context length written in the metadata (default 4096: the vocabulary is character-level). */
  contextLength?: number;
  /** Model name written to general.name (default "toolflow-tiny-random"). */
  name?: string;
  /** Optional Jinja chat template stored in tokenizer.chat_template. */
  chatTemplate?: string;
  /** Standard deviation of the random weights (default 0.5: random but not flat logits). */
  weightScale?: number;
  /**
   * Make the model prefer these tokens (single characters of the vocabulary) at every position, by this many
   * logits (e.g. {"@": 40}). Done with a constant channel: dimension 0 of every token embedding is a constant that
   * no layer writes to, and the output row of a favoured token reads it. Under a grammar the favoured token only
   * wins where the grammar allows it.
   */
  favoredTokens?: Record<string, number>;
}

export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/**
 * The character-level SentencePiece vocabulary of the tiny model:
 * <unk>, <s>, </s>, the 256 byte tokens <0x00>..<0xFF> (byte fallback: any UTF-8 text can be spelled),
 * then one token per printable ASCII character, with "▁" (U+2581) standing for the space as SentencePiece does.
 */
export function tinyVocabulary(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TOKEN_TYPE.UNKNOWN, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_TYPE.BYTE);
  }
  tokens.push("\u2581");
  types.push(TOKEN_TYPE.NORMAL);
  for (let c = 0x21; c <= 0x7e; c++) {
    tokens.push(String.fromCharCode(c));
    types.push(TOKEN_TYPE.NORMAL);
  }
  const scores = tokens.map((_, i) => (i < 259 ? 0 : -(i - 259)));
  return { tokens, scores, types };
}

function gaussian(rng: Rng): number {
  // Box-Muller
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Build (in memory) a tiny llama-architecture GGUF model with seeded random F32 weights. */
export function tinyLlamaGguf(options: TinyLlamaOptions = {}): GgufFile {
  const nLayer = options.blockCount ?? 2;
  const nEmbd = options.embeddingLength ?? 64;
  const nHead = options.headCount ?? 4;
  const nHeadKv = options.headCountKv ?? 2;
  const nFf = options.feedForwardLength ?? 128;
  const nCtx = options.contextLength ?? 4096;
  const scale = options.weightScale ?? 0.5;
  if (nEmbd % nHead !== 0) throw new GgufWriteError(`embeddingLength ${nEmbd} is not a multiple of headCount ${nHead}`);
  if (nHead % nHeadKv !== 0) throw new GgufWriteError(`headCount ${nHead} is not a multiple of headCountKv ${nHeadKv}`);
  const headDim = nEmbd / nHead;
  const vocab = tinyVocabulary();
  const nVocab = vocab.tokens.length;
  const rng = new Rng(options.seed ?? 1);

  const random = (name: string, dims: number[], std = scale): GgufTensor => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = gaussian(rng) * std;
    return { name, dims, data };
  };
  const ones = (name: string, n: number): GgufTensor => ({ name, dims: [n], data: new Float32Array(n).fill(1) });

  const tensors: GgufTensor[] = [random("token_embd.weight", [nEmbd, nVocab], 1)];
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      ones(`${p}attn_norm.weight`, nEmbd),
      random(`${p}attn_q.weight`, [nEmbd, nHead * headDim], scale / Math.sqrt(nEmbd)),
      random(`${p}attn_k.weight`, [nEmbd, nHeadKv * headDim], scale / Math.sqrt(nEmbd)),
      random(`${p}attn_v.weight`, [nEmbd, nHeadKv * headDim], scale / Math.sqrt(nEmbd)),
      random(`${p}attn_output.weight`, [nHead * headDim, nEmbd], scale / Math.sqrt(nEmbd)),
      ones(`${p}ffn_norm.weight`, nEmbd),
      random(`${p}ffn_gate.weight`, [nEmbd, nFf], scale / Math.sqrt(nEmbd)),
      random(`${p}ffn_up.weight`, [nEmbd, nFf], scale / Math.sqrt(nEmbd)),
      random(`${p}ffn_down.weight`, [nFf, nEmbd], scale / Math.sqrt(nFf)),
    );
  }
  const output = random("output.weight", [nEmbd, nVocab], scale);
  tensors.push(ones("output_norm.weight", nEmbd), output);

  const favored = Object.entries(options.favoredTokens ?? {});
  if (favored.length > 0) {
    const CONST = 4;
    const embd = tensors[0] as GgufTensor;
    for (let t = 0; t < nVocab; t++) embd.data[t * nEmbd] = CONST;
    for (const t of tensors) {
      // Nothing writes into the residual stream's dimension 0: zero row 0 (output dim) of the output projections.
      if (t.name.endsWith("attn_output.weight") || t.name.endsWith("ffn_down.weight")) {
        const ne0 = t.dims[0] as number;
        for (let i = 0; i < ne0; i++) t.data[i] = 0;
      }
    }
    // After RMS norm, dimension 0 is about CONST / rms(x), rms(x) ~ sqrt((CONST^2 + nEmbd - 1) / nEmbd).
    const h0 = CONST / Math.sqrt((CONST * CONST + nEmbd - 1) / nEmbd);
    for (let tok = 0; tok < nVocab; tok++) output.data[tok * nEmbd] = 0;
    for (const [text, strength] of favored) {
      const tok = vocab.tokens.indexOf(text === " " ? "\u2581" : text);
      if (tok < 0) throw new GgufWriteError(`favoredTokens: "${text}" is not a token of the tiny vocabulary`);
      output.data[tok * nEmbd] = strength / h0;
    }
  }

  const metadata: Record<string, GgufValue> = {
    "general.architecture": gguf.str("llama"),
    "general.name": gguf.str(options.name ?? "toolflow-tiny-random"),
    "general.file_type": gguf.u32(0), // ALL_F32
    "general.alignment": gguf.u32(32),
    "llama.context_length": gguf.u32(nCtx),
    "llama.embedding_length": gguf.u32(nEmbd),
    "llama.block_count": gguf.u32(nLayer),
    "llama.feed_forward_length": gguf.u32(nFf),
    "llama.attention.head_count": gguf.u32(nHead),
    "llama.attention.head_count_kv": gguf.u32(nHeadKv),
    "llama.rope.dimension_count": gguf.u32(headDim),
    "llama.rope.freq_base": gguf.f32(10000),
    "llama.attention.layer_norm_rms_epsilon": gguf.f32(1e-5),
    "llama.vocab_size": gguf.u32(nVocab),
    "tokenizer.ggml.model": gguf.str("llama"),
    "tokenizer.ggml.tokens": gguf.arr("string", vocab.tokens),
    "tokenizer.ggml.scores": gguf.arr("float32", vocab.scores),
    "tokenizer.ggml.token_type": gguf.arr("int32", vocab.types),
    "tokenizer.ggml.bos_token_id": gguf.u32(1),
    "tokenizer.ggml.eos_token_id": gguf.u32(2),
    "tokenizer.ggml.unknown_token_id": gguf.u32(0),
    "tokenizer.ggml.add_bos_token": gguf.bool(true),
    "tokenizer.ggml.add_eos_token": gguf.bool(false),
  };
  if (options.chatTemplate !== undefined) metadata["tokenizer.chat_template"] = gguf.str(options.chatTemplate);
  return { metadata, tensors };
}

/** Write the tiny model to `path` (atomically) and return the path. */
export async function writeTinyLlamaGguf(path: string, options: TinyLlamaOptions = {}): Promise<string> {
  await writeGguf(path, tinyLlamaGguf(options));
  return path;
}
