import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGgufFileInfo } from "node-llama-cpp";
import { encodeGguf, gguf, GgufWriteError, tinyLlamaGguf, tinyVocabulary, TOKEN_TYPE, writeGguf, writeTinyLlamaGguf } from "./gguf.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolflow-gguf-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("encodeGguf", () => {
  it("writes the GGUF v3 header: magic, version, tensor and KV counts", () => {
    const buf = encodeGguf({
      metadata: { a: gguf.u32(7), b: gguf.str("x") },
      tensors: [{ name: "t", dims: [3], data: new Float32Array([1, 2, 3]) }],
    });
    expect(buf.subarray(0, 4).toString("ascii")).toBe("GGUF");
    expect(buf.readUInt32LE(4)).toBe(3);
    expect(buf.readBigUInt64LE(8)).toBe(1n);
    expect(buf.readBigUInt64LE(16)).toBe(2n);
    // first KV: key "a" (u64 length 1 + "a"), type uint32 (4), value 7
    expect(buf.readBigUInt64LE(24)).toBe(1n);
    expect(buf.subarray(32, 33).toString("ascii")).toBe("a");
    expect(buf.readUInt32LE(33)).toBe(4);
    expect(buf.readUInt32LE(37)).toBe(7);
    // the data section starts aligned to 32 and ends with the tensor's 3 floats padded to 32
    expect(buf.length % 32).toBe(0);
    const data = buf.subarray(buf.length - 32, buf.length - 32 + 12);
    expect([data.readFloatLE(0), data.readFloatLE(4), data.readFloatLE(8)]).toEqual([1, 2, 3]);
  });

  it("round-trips every metadata type and tensor infos through node-llama-cpp's own GGUF reader", async () => {
    const path = join(dir, "types.gguf");
    await writeGguf(path, {
      metadata: {
        "general.architecture": gguf.str("llama"),
        "t.u8": gguf.u8(250),
        "t.i8": gguf.i8(-100),
        "t.u16": gguf.u16(65000),
        "t.i16": gguf.i16(-32000),
        "t.u32": gguf.u32(4_000_000_000),
        "t.i32": gguf.i32(-2_000_000_000),
        "t.f32": gguf.f32(0.5),
        "t.bool": gguf.bool(true),
        "t.str": gguf.str("héllo ▁ wörld"),
        "t.u64": gguf.u64(2n ** 40n),
        "t.i64": gguf.i64(-(2n ** 40n)),
        "t.f64": gguf.f64(1e-12),
        "t.arr_str": gguf.arr("string", ["a", "", "ccc"]),
        "t.arr_i32": gguf.arr("int32", [1, -2, 3]),
        "t.arr_f32": gguf.arr("float32", [0.25, -1.5]),
        "t.arr_bool": gguf.arr("bool", [true, false]),
      },
      tensors: [
        { name: "a.weight", dims: [4, 3], data: new Float32Array(12).fill(1) },
        { name: "b.weight", dims: [5], data: new Float32Array(5).fill(2) },
      ],
    });
    const info = await readGgufFileInfo(path, { logWarnings: false });
    expect(info.version).toBe(3);
    const md = info.metadata as unknown as { t: Record<string, unknown> };
    expect(md.t.u8).toBe(250);
    expect(md.t.i8).toBe(-100);
    expect(md.t.u16).toBe(65000);
    expect(md.t.i16).toBe(-32000);
    expect(md.t.u32).toBe(4_000_000_000);
    expect(md.t.i32).toBe(-2_000_000_000);
    expect(md.t.f32).toBe(0.5);
    expect(md.t.bool).toBe(true);
    expect(md.t.str).toBe("héllo ▁ wörld");
    expect(BigInt(md.t.u64 as number | bigint)).toBe(2n ** 40n);
    expect(BigInt(md.t.i64 as number | bigint)).toBe(-(2n ** 40n));
    expect(md.t.f64).toBe(1e-12);
    expect(md.t.arr_str).toEqual(["a", "", "ccc"]);
    expect(md.t.arr_i32).toEqual([1, -2, 3]);
    expect(md.t.arr_f32).toEqual([0.25, -1.5]);
    expect(md.t.arr_bool).toEqual([true, false]);
    expect(info.tensorInfo?.map((t) => [t.name, t.dimensions.map(Number), Number(t.offset)])).toEqual([
      ["a.weight", [4, 3], 0],
      ["b.weight", [5], 64], // 12 floats = 48 bytes, padded to 64
    ]);
  });

  it("rejects data that does not fit the dims, duplicate tensors, out-of-range values and bad alignment", () => {
    expect(() => encodeGguf({ metadata: {}, tensors: [{ name: "x", dims: [2, 2], data: new Float32Array(3) }] })).toThrow(
      /tensor "x": dims \[2, 2\] hold 4 values but data has 3/,
    );
    const t = { name: "x", dims: [1], data: new Float32Array(1) };
    expect(() => encodeGguf({ metadata: {}, tensors: [t, t] })).toThrow(/appears twice/);
    expect(() => encodeGguf({ metadata: { k: gguf.u8(300) }, tensors: [] })).toThrow(GgufWriteError);
    expect(() => encodeGguf({ metadata: { k: gguf.u32(1.5) }, tensors: [] })).toThrow(/"k": value 1.5 is not a valid uint32/);
    expect(() => encodeGguf({ metadata: { k: gguf.arr("string", ["a", 1]) }, tensors: [] })).toThrow(/"k"/);
    expect(() => encodeGguf({ metadata: { "general.alignment": gguf.u32(12) }, tensors: [] })).toThrow(/alignment/);
  });

  it("honours general.alignment for tensor offsets", async () => {
    const path = join(dir, "align.gguf");
    await writeGguf(path, {
      metadata: { "general.architecture": gguf.str("llama"), "general.alignment": gguf.u32(64) },
      tensors: [
        { name: "a", dims: [3], data: new Float32Array(3) },
        { name: "b", dims: [3], data: new Float32Array(3) },
      ],
    });
    const info = await readGgufFileInfo(path, { logWarnings: false });
    expect(info.tensorInfo?.map((x) => Number(x.offset))).toEqual([0, 64]);
  });
});

describe("tiny llama model", () => {
  it("has a character-level SentencePiece vocabulary with byte fallback", () => {
    const v = tinyVocabulary();
    expect(v.tokens.slice(0, 3)).toEqual(["<unk>", "<s>", "</s>"]);
    expect(v.tokens.filter((_, i) => v.types[i] === TOKEN_TYPE.BYTE)).toHaveLength(256);
    expect(v.tokens).toContain("<0x0A>");
    for (const c of '{}[]":,0123456789abcXYZ_-') expect(v.tokens).toContain(c);
    expect(v.tokens).toContain("\u2581");
    expect(new Set(v.tokens).size).toBe(v.tokens.length);
    expect(v.scores).toHaveLength(v.tokens.length);
  });

  it("holds the llama metadata and tensors with ggml dims order", async () => {
    const path = await writeTinyLlamaGguf(join(dir, "tiny.gguf"), { blockCount: 1, embeddingLength: 32, headCount: 4, headCountKv: 2, feedForwardLength: 48 });
    const info = await readGgufFileInfo(path, { logWarnings: false });
    const md = info.metadata as unknown as {
      general: { architecture: string };
      llama: Record<string, unknown> & { attention: Record<string, unknown>; rope: Record<string, unknown> };
      tokenizer: { ggml: Record<string, unknown> };
    };
    expect(md.general.architecture).toBe("llama");
    expect(md.llama.embedding_length).toBe(32);
    expect(md.llama.block_count).toBe(1);
    expect(md.llama.feed_forward_length).toBe(48);
    expect(md.llama.attention.head_count).toBe(4);
    expect(md.llama.attention.head_count_kv).toBe(2);
    expect(md.llama.rope.dimension_count).toBe(8);
    expect(md.tokenizer.ggml.model).toBe("llama");
    const nVocab = tinyVocabulary().tokens.length;
    const dims = Object.fromEntries((info.tensorInfo ?? []).map((t) => [t.name, t.dimensions.map(Number)]));
    expect(dims).toEqual({
      "token_embd.weight": [32, nVocab],
      "blk.0.attn_norm.weight": [32],
      "blk.0.attn_q.weight": [32, 32],
      "blk.0.attn_k.weight": [32, 16],
      "blk.0.attn_v.weight": [32, 16],
      "blk.0.attn_output.weight": [32, 32],
      "blk.0.ffn_norm.weight": [32],
      "blk.0.ffn_gate.weight": [32, 48],
      "blk.0.ffn_up.weight": [32, 48],
      "blk.0.ffn_down.weight": [48, 32],
      "output_norm.weight": [32],
      "output.weight": [32, nVocab],
    });
  });

  it("is deterministic for a seed and different across seeds", () => {
    const a = encodeGguf(tinyLlamaGguf({ seed: 5, blockCount: 1 }));
    const b = encodeGguf(tinyLlamaGguf({ seed: 5, blockCount: 1 }));
    const c = encodeGguf(tinyLlamaGguf({ seed: 6, blockCount: 1 }));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it("rejects shapes that do not divide and favoured tokens outside the vocabulary", () => {
    expect(() => tinyLlamaGguf({ embeddingLength: 30, headCount: 4 })).toThrow(/multiple of headCount/);
    expect(() => tinyLlamaGguf({ headCount: 4, headCountKv: 3 })).toThrow(/multiple of headCountKv/);
    expect(() => tinyLlamaGguf({ favoredTokens: { "é": 10 } })).toThrow(/not a token/);
  });
});
