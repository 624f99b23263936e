/**
 * The dataset card (README.md of an export): how the data was made, its statistics, verification results,
 * diversity, splits and formats. Deterministic: the same inputs give the same text.
 */
import { packageVersion } from "../core/index.js";
import type { RejectionSummary } from "../verify/index.js";
import { SPLIT_NAMES, type SplitName } from "../data/index.js";
import type { DatasetStats } from "./stats.js";

export interface CardFormat {
  name: string;
  description: string;
  rows: Record<SplitName, number>;
  /** What the format changed or left out, counted (e.g. llama31's parallel calls). */
  notes?: string[];
}

export interface CardInput {
  /** Where the dialogues came from (as given on the command line). */
  source: string;
  stats: DatasetStats;
  splitCounts: Record<SplitName, number>;
  splitRatios: readonly [number, number, number];
  seed: number;
  /** Groups (tool sets) kept within one split. */
  groups: number;
  formats: CardFormat[];
  /** Summary of DIR/rejected.jsonl, when present. */
  rejections?: RejectionSummary;
  /** The --chat-template file used for llama31, if any. */
  chatTemplate?: string;
  /**
   * The assistant's reasoning: whether the export wrote it (`export --reasoning`), how many dialogues and assistant
   * turns of the source carry some, and where each format put it. Absent: the card says nothing about reasoning.
   */
  reasoning?: { included: boolean; dialogues: number; turns: number; places: Array<{ name: string; place: string }> };
  /** toolflow version named in the card (default: the installed package's version). */
  version?: string;
}

/** LLaMA-Factory's reading of a format: its `formatting`, the columns and every tag (tags it is not given become null). */
const LLAMA_FACTORY: Record<string, { formatting: string; columns: Record<string, string>; tags: Record<string, string> }> = {
  sharegpt: {
    formatting: "sharegpt",
    columns: { messages: "conversations", system: "system", tools: "tools" },
    tags: {
      role_tag: "from",
      content_tag: "value",
      user_tag: "human",
      assistant_tag: "gpt",
      observation_tag: "observation",
      function_tag: "function_call",
      system_tag: "system",
    },
  },
  openai: {
    formatting: "openai",
    columns: { messages: "messages", tools: "tools" },
    tags: {
      role_tag: "role",
      content_tag: "content",
      user_tag: "user",
      assistant_tag: "assistant",
      observation_tag: "tool",
      function_tag: "function_call",
      system_tag: "system",
    },
  },
};

/**
 * The `dataset_info.json` entries LLaMA-Factory needs for the exported ShareGPT and OpenAI files, one per non-empty
 * split (named `toolflow_<format>_<split>`, file names relative to the export folder), as JSON text; undefined when
 * neither format was exported.
 */
export function llamaFactoryDatasetInfo(formats: CardFormat[]): string | undefined {
  const entries: Record<string, unknown> = {};
  for (const f of formats) {
    const lf = LLAMA_FACTORY[f.name];
    if (!lf) continue;
    for (const split of SPLIT_NAMES) {
      if (f.rows[split] === 0) continue;
      entries[`toolflow_${f.name}_${split}`] = { file_name: `${f.name}/${split}.jsonl`, formatting: lf.formatting, columns: lf.columns, tags: lf.tags };
    }
  }
  return Object.keys(entries).length > 0 ? JSON.stringify(entries, null, 2) : undefined;
}

const fmt = (x: number, digits = 2) => (Number.isInteger(x) ? String(x) : x.toFixed(digits));
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function table(head: string[], rows: Array<Array<string | number>>): string {
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
  for (const r of rows) lines.push(`| ${r.map((c) => String(c).replace(/\|/g, "\\|")).join(" | ")} |`);
  return lines.join("\n");
}

/** Where the tool results came from: executed on real servers (per source) or written by the tool role's model. */
function toolResultLines(s: DatasetStats): string[] {
  const rows = s.toolResults;
  const executed = rows.reduce((n, r) => n + r.executed, 0);
  const total = rows.reduce((n, r) => n + r.executed + r.simulated, 0);
  if (total === 0) return ["The dialogues hold no tool results."];
  if (executed === 0) {
    return [`All ${total} tool results were simulated by the tool role's model above (no tool was executed: \`synth --execute\` was not used).`];
  }
  const structured = rows.reduce((n, r) => n + r.structured, 0);
  return [
    executed === total
      ? `Tool results: all ${total} were executed on real servers (\`synth --execute\`); the tool role's model above wrote none. Per tool source:`
      : `Tool results: ${executed} of ${total} were executed on real servers (\`synth --execute\`); the tool role's model above wrote only the other ${total - executed}. Per tool source:`,
    "",
    table(
      ["tool source", "kind", "executed", "simulated", "executed with a real error"],
      rows.map((r) => [`\`${r.source}\``, r.kind, r.executed, r.simulated, r.executedErrors]),
    ),
    ...(structured > 0
      ? [
          "",
          `${structured} executed results held content other than text (resource links, embedded resources, images, audio): tool`,
          "messages carry it as a JSON list of MCP content blocks, binary data replaced by its media type and size.",
        ]
      : []),
  ];
}

export function renderDatasetCard(input: CardInput): string {
  const { stats: s } = input;
  const out: string[] = [];

  // Hugging Face front matter: one config per format with its non-empty splits.
  out.push("---");
  out.push("tags:\n- tool-calling\n- function-calling\n- synthetic\n- toolflow");
  out.push("configs:");
  for (const f of input.formats) {
    out.push(`- config_name: ${f.name}`);
    out.push("  data_files:");
    for (const split of SPLIT_NAMES) {
      if (f.rows[split] > 0) out.push(`  - split: ${split}\n    path: ${f.name}/${split}.jsonl`);
    }
  }
  out.push("---", "");

  out.push("# Tool-calling dialogues (toolflow)", "");
  const simCount = s.backends.sim ?? 0;
  if (simCount > 0) {
    out.push(
      `> **Not real data.** ${simCount} of ${s.dialogues} dialogues were made by the built-in \`sim\` backend, a`,
      "> deterministic simulator without any language model. They exercise the pipeline; do not train or evaluate",
      "> models on them.",
      "",
    );
  }
  out.push(
    `Multi-turn tool-calling dialogues synthesized with toolflow ${input.version ?? packageVersion()} (the ToolFlow method: tool graph,`,
    "graph-based tool sampling, planned generation, user / assistant / tool agents, rule verification).",
    `Source: \`${input.source}\`.`,
    "",
  );

  out.push("## Splits", "");
  out.push(
    table(
      ["split", "dialogues"],
      SPLIT_NAMES.map((n) => [n, input.splitCounts[n]]),
    ),
    "",
    `Split ratios ${input.splitRatios.join(" / ")}, seed ${input.seed}. Dialogues are grouped by tool sample and by`,
    `identical tool set (${input.groups} groups); each group goes to one split, chosen by a hash of the group and the`,
    "seed, so no sampled tool set is shared between train and test.",
    "",
  );

  out.push("## Formats", "");
  out.push(
    table(
      ["format", "train", "validation", "test", "what"],
      input.formats.map((f) => [`\`${f.name}/\``, f.rows.train, f.rows.validation, f.rows.test, f.description]),
    ),
    "",
  );
  if (input.formats.some((f) => f.name === "xlam")) {
    out.push(
      "xLAM rows are single-shot: one row per user turn that leads to tool calls; the query is that turn (with the",
      "earlier user turns of the same plan step, e.g. the request a clarifying question interrupted) and the answers",
      "are the calls of the first assistant turn that follows. Follow-up calls that need tool results are left out.",
      "",
    );
  }
  if (input.formats.some((f) => f.name === "sharegpt")) {
    out.push(
      "In `sharegpt/`, text the assistant wrote beside its tool calls comes before them in the `function_call` value, the",
      "calls wrapped in `<tool_call>…</tool_call>` (LLaMA-Factory 0.9.4 and later keep it; earlier versions fail on such a row).",
      "The results of parallel calls are one `observation`, in call order, joined by `\\n</tool_response>\\n<tool_response>\\n` as",
      "LLaMA-Factory's own OpenAI converter joins tool messages.",
      "",
    );
  }
  const datasetInfo = llamaFactoryDatasetInfo(input.formats);
  if (datasetInfo) {
    out.push(
      "### LLaMA-Factory",
      "",
      "Paste these entries into the `dataset_info.json` of your `dataset_dir` (file names are relative to this folder;",
      "name the entries as you like). Give LLaMA-Factory the columns and tags as written: with `formatting` alone it reads",
      "no `system` and no `tools` column, and it silently drops both; a `tags` object sets every tag it leaves out to null.",
      "",
      "```json",
      datasetInfo,
      "```",
      "",
    );
    if (input.formats.some((f) => f.name === "openai")) {
      out.push(
        "`openai/` needs LLaMA-Factory 0.9.4 or later (`formatting: openai`; its older `sharegpt` reading of OpenAI rows sees",
        "no `tool_calls`). That converter drops text written beside calls and hands the calls' `arguments` on as JSON",
        "strings, so templates render them quoted; `sharegpt/` has neither loss and is the better choice for LLaMA-Factory.",
        "",
      );
    }
  }
  const llama = input.formats.find((f) => f.name === "llama31");
  if (llama) {
    out.push(
      input.chatTemplate
        ? `\`llama31/\` was rendered with the chat template \`${input.chatTemplate}\`.`
        : "`llama31/` was rendered by toolflow's own renderer of Meta's Llama 3.1 prompt format.",
      "",
      ...(llama.notes ?? []).map((n) => `- ${n}`),
      ...((llama.notes ?? []).length > 0 ? [""] : []),
    );
  }
  const otherNotes = input.formats.filter((f) => f.name !== "llama31").flatMap((f) => (f.notes ?? []).map((n) => `- \`${f.name}/\`: ${n}`));
  if (otherNotes.length > 0) out.push(...otherNotes, "");

  if (input.reasoning) {
    const r = input.reasoning;
    out.push("### Reasoning", "");
    if (r.included) {
      out.push(
        `Assistant reasoning is included (\`export --reasoning\`): ${r.turns} assistant turns of ${r.dialogues} dialogues carry`,
        "the reasoning the assistant model gave (kept by `synth --keep-reasoning`). Where each format writes it:",
        "",
        ...r.places.map((p) => `- \`${p.name}\`: ${p.place}`),
        "",
      );
    } else {
      out.push(
        r.dialogues > 0
          ? `Assistant reasoning is not included: the run kept it for ${r.dialogues} dialogues (${r.turns} assistant turns), and \`export --reasoning\` would write it.`
          : "Assistant reasoning is not included (the run kept none).",
        "",
      );
    }
  }

  out.push("## Generation", "");
  out.push(table(["backend", "dialogues"], Object.entries(s.backends)), "");
  const roleRows = Object.entries(s.models).map(([role, m]) => [
    role,
    Object.entries(m)
      .map(([id, n]) => `${id} (${n})`)
      .join(", "),
  ]);
  if (roleRows.length > 0) out.push(table(["agent role", "models (dialogues)"], roleRows), "");
  out.push(...toolResultLines(s), "");
  out.push(
    `${s.withPlan} of ${s.dialogues} dialogues follow a dialogue plan; the rest were generated without one (--no-plan).`,
    `Tokens: ${s.usage.promptTokens} prompt, ${s.usage.completionTokens} completion.`,
    "",
  );

  out.push("## Statistics", "");
  out.push(
    table(
      ["per dialogue", "mean", "min", "max"],
      [
        ["messages", fmt(s.messages.mean), s.messages.min, s.messages.max],
        ["user turns", fmt(s.userTurns.mean), s.userTurns.min, s.userTurns.max],
        ["tool calls", fmt(s.toolCalls.mean), s.toolCalls.min, s.toolCalls.max],
      ],
    ),
    "",
    `Assistant turns with parallel calls: ${s.parallelCallTurns}.`,
    "",
    "Dialogues by number of tool calls:",
    "",
    table(["tool calls", "dialogues"], Object.entries(s.toolCallHistogram)),
    "",
  );
  const stepTotal = Object.values(s.stepKinds).reduce((a, b) => a + b, 0);
  if (stepTotal > 0) {
    out.push(
      "Plan steps by type:",
      "",
      table(
        ["step type", "steps", "share"],
        Object.entries(s.stepKinds).map(([k, n]) => [k, n, pct(n / stepTotal)]),
      ),
      "",
    );
  }
  const toolRows = Object.entries(s.toolUse);
  out.push(`Tools: ${s.toolsOffered} offered, ${toolRows.length} called.`, "");
  if (toolRows.length > 0) {
    const top = toolRows.slice(0, 25);
    out.push(table(["tool", "calls"], top), "");
    if (toolRows.length > top.length) out.push(`(${toolRows.length - top.length} more tools not listed.)`, "");
  }

  out.push("## Verification", "");
  const checkRows = Object.entries(s.verification.checks);
  out.push(
    `${s.verification.passed} of ${s.dialogues} dialogues carry a passing verification. The checks: format (calls name`,
    "tools of the sample, arguments valid against their schemas, every call answered once, sane roles), plan (each",
    "step covered with its kind and number of calls; skipped without a plan) and argument provenance (every argument",
    "value found in, or converted from, an earlier user turn or tool result, or carrying nothing from the user such as",
    "an enum value, a default or a boolean flag; values from general knowledge are flagged). During synthesis",
    "exact and near duplicates (MinHash over user turns) are dropped as well.",
    "",
  );
  if (checkRows.length > 0) {
    out.push(table(["check", "passed", "failed", "skipped"], checkRows.map(([c, n]) => [c, n.passed, n.failed, n.skipped])), "");
  } else {
    out.push("The records carry no check results.", "");
  }
  out.push(
    `Argument provenance: ${s.provenance.ungrounded} ungrounded of ${s.provenance.args} argument values (${pct(s.provenance.rate)})` +
      ` over ${s.provenance.dialoguesMeasured} measured dialogues; ${s.provenance.converted} converted (a code, a month,` +
      ` a unit, ...), ${s.provenance.defaulted} defaulted, ${s.provenance.knowledge} from general knowledge.`,
    "",
  );
  const flagged = Object.entries(s.flagged);
  if (flagged.length > 0) out.push(table(["check", "dialogues flagged (kept)"], flagged), "");
  if (input.rejections) {
    const r = input.rejections;
    out.push(`Rejected during synthesis: ${r.total} dialogues.`, "");
    if (r.total > 0) {
      out.push(
        table(
          ["check", "rejected", "only this check", "example reason"],
          Object.entries(r.byCheck).map(([c, n]) => [c, n, r.onlyBy[c] ?? 0, r.examples[c] ?? ""]),
        ),
        "",
      );
    }
  } else {
    out.push("No rejected.jsonl was found beside the dialogues: rejection counts are unknown.", "");
  }

  out.push("## Diversity", "");
  out.push(
    table(
      ["texts", "H (bits)", "D-3", "D-2", "words", "vocabulary"],
      [
        ["user + assistant", fmt(s.diversity.H, 3), fmt(s.diversity.D3, 4), fmt(s.diversity.D2, 4), s.diversity.words, s.diversity.vocabulary],
        ["user turns", fmt(s.userDiversity.H, 3), fmt(s.userDiversity.D3, 4), fmt(s.userDiversity.D2, 4), s.userDiversity.words, s.userDiversity.vocabulary],
      ],
    ),
    "",
    "H is the Shannon entropy of the word-frequency distribution; D-n the share of distinct word n-grams (as in the",
    "ToolFlow paper). Both depend on corpus size: compare sets of similar size.",
    "",
  );

  if (s.judge.rated > 0) {
    out.push("## Judge scores", "");
    out.push(
      table(
        ["criterion", "mean (1-5)"],
        Object.entries(s.judge.means).map(([k, v]) => [k, fmt(v)]),
      ),
      "",
      `${s.judge.rated} dialogues rated by an LLM judge.`,
      "",
    );
  }
  return out.join("\n");
}
