/** The overview: the run's options, models, seeds, time, tokens and cost; counts and rejection reasons; the stats figures; judge and round trip. */
import type { ReportSummary } from "../types.js";
import { h, kvTable, num, pct } from "./dom.js";

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x !== null && typeof x === "object" && !Array.isArray(x) ? (x as Obj) : {});

function show(v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return v;
  if (typeof v === "number") return num(v, 4);
  return JSON.stringify(v);
}

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  const s = ms / 1000;
  if (s < 90) return `${s.toFixed(1)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(2)} h`;
}

function card(value: string, label: string): HTMLElement {
  return h("div", { class: "card" }, h("b", {}, value), h("span", {}, label));
}

export function renderOverview(s: ReportSummary): HTMLElement {
  const m = s.manifest ? obj(s.manifest) : null;
  const f = s.figures;
  const usage = obj(obj(m?.usage).total);
  const tokens = Number(usage.promptTokens ?? 0) + Number(usage.completionTokens ?? 0);
  const cost = obj(m?.cost);
  const sessions = Array.isArray(m?.sessions) ? (m.sessions as Obj[]) : [];
  const busy = sessions.reduce((a, x) => a + (Date.parse(String(x.endedAt ?? x.startedAt)) - Date.parse(String(x.startedAt))), 0);
  const out = h("div", { id: "overview" });
  const def = obj(m?.definition);
  const specs = [...(Array.isArray(def.llm) ? def.llm : []), ...Object.values(obj(def.roleLlm))].map(String);
  if (specs.includes("sim")) out.append(h("div", { class: "note", id: "sim-note" }, "Made (at least partly) by the built-in sim backend: readable and verified, but not real data."));
  if (s.sample) out.append(h("div", { class: "note", id: "sample-note" }, s.sample.note));
  for (const n of s.notes) out.append(h("div", { class: "note" }, n));
  out.append(
    h(
      "div",
      { class: "cards" },
      card(num(s.counts.accepted), "accepted dialogues"),
      card(num(s.counts.rejected), "rejected dialogues"),
      card(f ? num(f.distinctTools) : "–", `tools called${f?.toolCoverage != null ? ` (coverage ${pct(f.toolCoverage)})` : ""}`),
      card(f ? num(f.callsPerDialogue, 2) : "–", "calls per dialogue"),
      card(m ? num(tokens) : "–", "tokens (prompt + completion)"),
      card(cost.total === null || cost.total === undefined ? "unpriced" : `$${Number(cost.total).toFixed(4)}`, "cost"),
    ),
  );

  const run = h("div", { class: "panel" }, h("h2", {}, "Run"));
  if (m) {
    const versions = obj(m.versions);
    const models = obj(obj(obj(m.inputs).models).roles);
    const seeds = obj(m.seeds);
    run.append(
      kvTable([
        ["folder", s.dir],
        ["status", String(m.status)],
        ["started / last written", `${String(m.createdAt)} / ${String(m.updatedAt)}`],
        ["time generating", `${duration(busy)} in ${sessions.length} session(s)`],
        ["toolflow / node", `${show(versions.toolflow)} / ${show(versions.node)}`],
        ["models per role", Object.entries(models).map(([r, v]) => `${r}: ${Array.isArray(v) ? v.join(", ") : show(v)}`).join("; ") || "–"],
        ["judge model", show(obj(obj(m.inputs).models).judge)],
        ["seeds", `run ${show(seeds.run)}, sampling ${show(seeds.sampling)}, dialogue ${show(seeds.dialogue)}`],
        ["tokens", `${num(Number(usage.promptTokens ?? 0))} prompt, ${num(Number(usage.completionTokens ?? 0))} completion, ${num(Number(usage.cachedTokens ?? 0))} cached${usage.estimated ? " (estimated)" : ""}`],
        ["cost", cost.total === null || cost.total === undefined ? `unpriced (${show(cost.unpriced)})` : `$${Number(cost.total).toFixed(4)}`],
        ...(m.rejectedWrites
          ? [
              [
                "writes of rejected dialogues",
                `${num(Number(obj(m.rejectedWrites).discarded ?? 0))} discarded with their dialogue's server process, ${num(Number(obj(m.rejectedWrites).left ?? 0))} left on shared servers (manifest.json "rejectedWrites")`,
              ] as [string, string],
            ]
          : []),
      ]),
    );
  } else run.append(h("p", { class: "muted" }, `${s.dir}: no manifest.json (yet).`));

  const options = h("div", { class: "panel" }, h("h2", {}, "Options"));
  const given = obj(m?.options);
  options.append(Object.keys(given).length ? kvTable(Object.entries(given).map(([k, v]) => [k, show(v)])) : h("p", { class: "muted" }, "–"));

  const rej = h("div", { class: "panel", id: "rejections" }, h("h2", {}, `Rejections (${num(s.rejections.total)})`));
  const checks = Object.entries(s.rejections.byCheck);
  rej.append(
    checks.length === 0
      ? h("p", { class: "muted" }, "No dialogue was rejected.")
      : kvTable(
          checks.map(([c, n]) => [
            c,
            [`${num(n)} dialogues (${num(s.rejections.onlyBy[c] ?? 0)} by this check alone)`, h("div", { class: "muted" }, s.rejections.examples[c] ?? "")],
          ]),
        ),
  );

  const stats = h("div", { class: "panel", id: "figures" }, h("h2", {}, "Figures (toolflow stats, accepted dialogues)"));
  if (f) {
    stats.append(
      kvTable([
        ["dialogues / turns", `${num(f.dialogues)} / ${num(f.turns)} (${num(f.userTurns)} user, ${num(f.assistantTurns)} assistant)`],
        ["tool calls", `${num(f.toolCalls)} (${num(f.callsPerDialogue, 2)} a dialogue; ${pct(f.callTurnShare)} of assistant turns call)`],
        ["parallel-call turns", num(f.parallelCallTurns)],
        ["chained calls", `${num(f.chainedCalls)} (${pct(f.chainedCallShare)})`],
        ["clarifications", num(f.clarifications)],
        ["no-call turns / dialogues", `${num(f.noCallTurns)} / ${num(f.noCallDialogues)}`],
        ["distinct tools / combinations", `${num(f.distinctTools)} / ${num(f.toolCombinations)}`],
        ["tool coverage / Gini", `${pct(f.toolCoverage)} of ${num(f.toolUniverse.size)} (${f.toolUniverse.source}) / ${num(f.gini, 3)}`],
        ["H / D-3 (user turns)", `${num(f.H, 2)} bits / ${num(f.D3, 3)}`],
        ["tokens per dialogue", `mean ${num(f.tokens.dialogue.mean, 1)}, p50 ${num(f.tokens.dialogue.p50)}, p90 ${num(f.tokens.dialogue.p90)}, max ${num(f.tokens.dialogue.max)}`],
        ["with a plan", num(f.withPlan)],
      ]),
    );
  } else stats.append(h("p", { class: "muted" }, "No accepted dialogue yet."));

  const judge = h("div", { class: "panel", id: "judge" }, h("h2", {}, "Judge and round trip"));
  const rows: Array<[string, string]> = [];
  if (s.judge) {
    rows.push(["judge output", `${s.judge.dir} (${num(s.judge.dialogues)} dialogues)`]);
    for (const [c, iv] of Object.entries(s.judge.criteria)) rows.push([c, iv ? `${num(iv.mean, 2)} [${num(iv.low, 2)}, ${num(iv.high, 2)}]` : "–"]);
    if (s.judge.ss) rows.push(["SS (similarity of consecutive rounds)", `${num(s.judge.ss.mean, 3)} over ${num(s.judge.ss.pairs)} pairs`]);
    if (s.judge.enr) rows.push(["EnR (entailment rate)", `${pct(s.judge.enr.rate)} over ${num(s.judge.enr.pairs)} pairs`]);
    if (s.judge.roundTrip) {
      const rt = s.judge.roundTrip;
      rows.push(["round-trip agreement", `${pct(rt.agreement)} (${num(rt.agreed)} of ${num(rt.turns)} turns)`]);
      for (const [k, v] of Object.entries(rt.byStepKind)) rows.push([`  round trip: ${k}`, `${pct(v.agreement)} (${num(v.agreed)} / ${num(v.turns)})`]);
    }
  }
  if (s.recordJudge) {
    rows.push(["scores in the records (synth --judge)", `${num(s.recordJudge.dialogues)} dialogues`]);
    for (const [c, iv] of Object.entries(s.recordJudge.criteria)) rows.push([`  ${c}`, iv ? `${num(iv.mean, 2)} [${num(iv.low, 2)}, ${num(iv.high, 2)}]` : "–"]);
  }
  judge.append(rows.length ? kvTable(rows) : h("p", { class: "muted" }, "No judge results (run `toolflow judge`, or synth with --judge)."));

  const results = h("div", { class: "panel", id: "tool-results" }, h("h2", {}, "Tool results (accepted dialogues)"));
  const tr = s.toolResults ?? [];
  const executed = tr.reduce((n, r) => n + r.executed, 0);
  const total = tr.reduce((n, r) => n + r.executed + r.simulated, 0);
  if (total === 0) results.append(h("p", { class: "muted" }, s.toolResults ? "No tool results." : "No accepted dialogue yet."));
  else {
    results.append(
      h(
        "p",
        {},
        executed === 0
          ? `All ${num(total)} simulated by the tool role's model (nothing executed: no synth --execute).`
          : executed === total
            ? `All ${num(total)} executed on real servers (synth --execute); the tool role's model wrote none.`
            : `${num(executed)} of ${num(total)} executed on real servers (synth --execute); the tool role's model wrote the other ${num(total - executed)}.`,
      ),
      h(
        "table",
        { class: "kv cols" },
        h("tr", {}, h("th", {}, "tool source"), h("th", {}, "kind"), h("th", {}, "executed"), h("th", {}, "simulated"), h("th", {}, "real errors"), h("th", {}, "structured")),
        ...tr.map((r) =>
          h(
            "tr",
            { "data-source": r.source },
            h("td", {}, r.source),
            h("td", {}, r.kind),
            h("td", {}, num(r.executed)),
            h("td", {}, num(r.simulated)),
            h("td", {}, num(r.executedErrors)),
            h("td", {}, num(r.structured)),
          ),
        ),
      ),
    );
  }

  out.append(h("div", { class: "grid2" }, h("div", {}, run, rej, judge), h("div", {}, stats, results, options)));
  return out;
}
