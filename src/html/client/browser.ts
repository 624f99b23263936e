/**
 * The dialogue browser: a paginated list with filters (accepted or rejected, rejection reason, tool, step kind,
 * judge score, id) and the opened dialogue as a chat, with its plan (each step ticked), the verification findings
 * and the provenance of every argument (which user turn or tool result it came from) highlighted.
 * A dialogue's DOM is built only when it is opened.
 */
import type { DialogueDetail, DialogueRow, ReportSummary } from "../types.js";
import type { ArgumentSource } from "../../verify/index.js";
import { append, clear, h, num } from "./dom.js";
import type { DataSource } from "./source.js";

const PAGE = 100;

export interface Browser {
  /** Rows were added (live view): re-filter, keep the page. */
  update(): void;
  setSummary(s: ReportSummary): void;
  open(pos: number): Promise<void>;
  filterTool(name: string): void;
}

interface Filters {
  status: string;
  reason: string;
  tool: string;
  kind: string;
  judge: string;
  text: string;
}

export function renderBrowser(root: HTMLElement, summary: ReportSummary, rows: () => DialogueRow[], source: DataSource): Browser {
  let s = summary;
  const f: Filters = { status: "", reason: "", tool: "", kind: "", judge: "", text: "" };
  let page = 0;
  let filtered: number[] = [];
  let openPos: number | null = null;

  const sel = (id: keyof Filters, label: string, options: () => Array<[string, string]>) => {
    const el = h("select", { id: `f-${id}` });
    const fill = () => {
      const cur = el.value;
      el.replaceChildren(h("option", { value: "" }, "any"), ...options().map(([v, t]) => h("option", { value: v }, t)));
      el.value = cur;
    };
    fill();
    el.addEventListener("change", () => {
      f[id] = el.value;
      page = 0;
      refilter();
    });
    return { el, fill, box: h("label", {}, label, el) };
  };
  const status = sel("status", "status", () => [["1", "accepted"], ["0", "rejected"], ...(s.sample ? [["details", "details in this report"] as [string, string]] : [])]);
  const reason = sel("reason", "rejected by", () => Object.keys(s.rejections.byCheck).map((c) => [c, c]));
  const tool = sel("tool", "calls tool", () => s.toolNames.map((t, i) => [String(i), t] as [string, string]).sort((a, b) => a[1].localeCompare(b[1])));
  const kind = sel("kind", "step kind", () => s.stepKinds.map((k, i) => [String(i), k]));
  const judge = sel("judge", "judge score", () => [["1", "< 2"], ["2", "2 – 3"], ["3", "3 – 4"], ["4", "≥ 4"], ["none", "not rated"]]);
  const text = h("input", { id: "f-text", type: "search", placeholder: "id contains…" });
  text.addEventListener("input", () => {
    f.text = text.value.trim();
    page = 0;
    refilter();
  });
  const count = h("div", { class: "muted", id: "list-count" });
  const list = h("ul", { class: "list", id: "dialogue-list" });
  const pageInfo = h("span", { class: "muted" });
  const prev = h("button", { onclick: () => { if (page > 0) { page--; drawList(); } } }, "‹ prev");
  const next = h("button", { onclick: () => { if ((page + 1) * PAGE < filtered.length) { page++; drawList(); } } }, "next ›");
  const detail = h("div", { id: "dialogue" }, h("p", { class: "muted" }, "Pick a dialogue on the left."));
  root.replaceChildren(
    h(
      "div",
      { id: "browser" },
      h("div", {}, h("div", { class: "filters" }, status.box, reason.box, tool.box, kind.box, judge.box, h("label", {}, "id", text)), count, list, h("div", { class: "pager" }, prev, pageInfo, next)),
      detail,
    ),
  );

  function matches(r: DialogueRow): boolean {
    if (f.status === "details") {
      if (!r.d) return false;
    } else if (f.status !== "" && String(r.a) !== f.status) return false;
    if (f.reason !== "" && !r.r.includes(f.reason)) return false;
    if (f.tool !== "" && !r.t.includes(Number(f.tool))) return false;
    if (f.kind !== "" && !r.k.includes(Number(f.kind))) return false;
    if (f.judge !== "") {
      if (f.judge === "none") {
        if (r.j !== null) return false;
      } else {
        const lo = Number(f.judge);
        if (r.j === null || r.j < (lo === 1 ? 0 : lo) || (lo < 4 && r.j >= lo + 1)) return false;
      }
    }
    if (f.text !== "" && !r.id.includes(f.text)) return false;
    return true;
  }

  function refilter(): void {
    const all = rows();
    filtered = [];
    for (let i = 0; i < all.length; i++) if (matches(all[i]!)) filtered.push(i);
    if (page * PAGE >= filtered.length) page = Math.max(0, Math.ceil(filtered.length / PAGE) - 1);
    drawList();
  }

  function drawList(): void {
    const all = rows();
    count.textContent = `${num(filtered.length)} of ${num(all.length)} dialogues`;
    const items = filtered.slice(page * PAGE, (page + 1) * PAGE).map((pos) => {
      const r = all[pos]!;
      const tools = r.t.map((t) => s.toolNames[t]).join(", ");
      const kinds = r.k.map((k) => s.stepKinds[k]).join(", ");
      return h(
        "li",
        { class: pos === openPos ? "sel" : "", "data-pos": pos, "data-id": r.id, "data-details": r.d, onclick: () => void open(pos) },
        h("span", { class: `badge ${r.a ? "ok" : "bad"}` }, r.a ? "accepted" : `rejected: ${r.r.join(", ")}`),
        r.id,
        r.j !== null ? h("span", { class: "badge warn" }, `judge ${r.j.toFixed(1)}`) : null,
        h("small", {}, `${r.c} calls, ${r.n} turns; ${tools || "no calls"}${kinds ? `; ${kinds}` : ""}${r.d ? "" : " (details not in this report)"}`),
      );
    });
    list.replaceChildren(...items);
    pageInfo.textContent = filtered.length ? `page ${page + 1} of ${Math.ceil(filtered.length / PAGE)}` : "";
  }

  async function open(pos: number): Promise<void> {
    openPos = pos;
    for (const li of Array.from(list.children)) li.classList.toggle("sel", (li as HTMLElement).dataset.pos === String(pos));
    const row = rows()[pos];
    if (!row) return;
    detail.replaceChildren(h("p", { class: "muted" }, `Loading ${row.id}…`));
    const d = row.d ? await source.detail(pos) : null;
    if (!d) {
      detail.replaceChildren(h("div", { class: "note" }, `${row.id}: its details are not embedded in this report (${s.sample?.note ?? "see the run folder"}).`));
      return;
    }
    detail.replaceChildren(...renderDialogue(d, s));
  }

  refilter();
  return {
    update: refilter,
    setSummary(next: ReportSummary) {
      s = next;
      for (const x of [reason, tool, kind]) x.fill();
    },
    open,
    filterTool(name: string) {
      const i = s.toolNames.indexOf(name);
      tool.el.value = i < 0 ? "" : String(i);
      f.tool = tool.el.value;
      page = 0;
      refilter();
    },
  };
}

// ---------------------------------------------------------------- one dialogue

function originText(src: ArgumentSource, d: DialogueDetail): string {
  const o = src.origin;
  if (o.kind === "message") {
    const m = d.messages[o.message];
    const how = src.how !== undefined ? ` (${src.how})` : "";
    if (m?.role === "tool") return `← tool result #${o.message}${m.name ? ` (${m.name})` : ""}${how}`;
    if (m?.role === "system") return `← system prompt${how}`;
    return `← user turn #${o.message}${how}`;
  }
  if (o.kind === "combined") return `← several earlier turns together${src.how !== undefined ? ` (${src.how})` : ""}`;
  if (o.kind === "schema") return "documented in the tool's schema";
  if (o.kind === "defaulted") return `defaulted: ${o.how}`;
  if (o.kind === "knowledge") return `⚑ general knowledge: ${o.how}`;
  if (o.kind === "empty") return "empty";
  return "✗ ungrounded: no earlier user turn or tool result holds it";
}

/** Text with the given values marked (case-insensitive, longest first). */
function marked(text: string, values: Array<{ value: string; title: string }>): Node[] {
  const vs = values.filter((v) => v.value.length > 0).sort((a, b) => b.value.length - a.value.length);
  if (vs.length === 0) return [document.createTextNode(text)];
  const lower = text.toLowerCase();
  const hits: Array<{ start: number; end: number; title: string }> = [];
  for (const v of vs) {
    const needle = v.value.toLowerCase();
    for (let i = lower.indexOf(needle); i !== -1; i = lower.indexOf(needle, i + needle.length)) {
      const end = i + needle.length;
      if (!hits.some((x) => i < x.end && end > x.start)) hits.push({ start: i, end, title: v.title });
    }
  }
  hits.sort((a, b) => a.start - b.start);
  const out: Node[] = [];
  let at = 0;
  for (const x of hits) {
    if (x.start > at) out.push(document.createTextNode(text.slice(at, x.start)));
    out.push(h("mark", { title: x.title }, text.slice(x.start, x.end)));
    at = x.end;
  }
  if (at < text.length) out.push(document.createTextNode(text.slice(at)));
  return out;
}

function renderDialogue(d: DialogueDetail, s: ReportSummary): HTMLElement[] {
  const chat = h("div", { class: "chat" });
  const msgEls: HTMLElement[] = [];
  // which values each source message gives to which argument
  const given = new Map<number, Array<{ value: string; title: string }>>();
  for (const src of d.sources) {
    if (src.origin.kind !== "message" || src.value === null || typeof src.value === "boolean") continue;
    const list = given.get(src.origin.message) ?? [];
    list.push({ value: String(src.value), title: `→ ${src.tool}${src.path} (call ${src.callId}, message #${src.message})` });
    given.set(src.origin.message, list);
  }
  const sourcesOf = (msg: number, callId: string) => d.sources.filter((x) => x.message === msg && x.callId === callId);
  const highlight = (msg: number | null) => {
    for (const el of msgEls) el.classList.remove("src");
    if (msg === null) return;
    const el = msgEls[msg];
    if (el) {
      el.classList.add("src");
      el.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  };

  d.messages.forEach((m, i) => {
    const step = d.stepOf[i];
    const who = h("span", { class: "who" }, `#${i} ${m.role}${step !== null && step !== undefined ? ` · step ${step}` : ""}`);
    const el = h("div", { class: `msg ${m.role}`, "data-msg": i }, who);
    if (m.role === "system") {
      const text = m.content || (d.systemPrompt !== null ? (s.systemPrompts[d.systemPrompt] ?? "") : "");
      const more = h("details", {}, h("summary", {}, "system prompt"), text);
      el.append(more);
    } else if (m.role === "user") append(el, marked(m.content, given.get(i) ?? []));
    else if (m.role === "tool") {
      who.textContent = `#${i} tool result${m.name ? ` · ${m.name}` : ""} · ${m.tool_call_id}${step !== null && step !== undefined ? ` · step ${step}` : ""}`;
      const how = d.execution?.[i];
      if (how) {
        const text =
          how.mode === "executed"
            ? `executed${how.executor ? ` (${how.executor})` : ""}${how.target ? `: ${how.target}` : ""}${how.error ? " · real error" : ""}`
            : `simulated${how.note ? ` · ${how.note}` : ""}`;
        const mismatch = how.returnsMismatch?.length ? ` · does not match returns: ${how.returnsMismatch.join("; ")}` : "";
        el.append(h("div", { class: `exec ${how.mode}`, "data-exec": how.mode }, text + mismatch));
        // content other than text, as kept: links and resources by URI, binary data by media type and size
        const kept = (how.content ?? []).filter((p) => p.type !== "text");
        if (kept.length > 0) {
          el.append(
            h(
              "ul",
              { class: "exec parts" },
              ...kept.map((p) =>
                h(
                  "li",
                  { "data-part": p.type },
                  p.type === "resource_link"
                    ? `resource link: ${p.uri}${p.mimeType ? ` (${p.mimeType})` : ""}`
                    : p.type === "resource"
                      ? `embedded resource: ${p.uri}${p.mimeType ? ` (${p.mimeType})` : ""}${p.size !== undefined ? `, ${num(p.size)} bytes not kept` : ""}${p.truncated !== undefined ? `, text cut (${num(p.truncated)} characters)` : ""}`
                      : `${p.type}: ${p.mimeType}, ${num(p.size)} bytes (${p.note})`,
                ),
              ),
            ),
          );
        }
      }
      append(el, marked(m.content, given.get(i) ?? []));
    } else {
      const thought = d.reasoning?.[i];
      if (thought) el.append(h("details", { class: "reasoning" }, h("summary", {}, "reasoning"), thought));
      if (m.content) el.append(m.content);
      for (const c of m.tool_calls ?? []) {
        const srcs = sourcesOf(i, c.id);
        const args = h(
          "table",
          { class: "args" },
          ...srcs.map((x) =>
            h(
              "tr",
              {
                class: "arg",
                "data-origin": x.origin.kind,
                onmouseenter: () => highlight(x.origin.kind === "message" ? x.origin.message : null),
                onclick: () => highlight(x.origin.kind === "message" ? x.origin.message : null),
              },
              h("td", {}, x.path || "(value)"),
              h("td", {}, JSON.stringify(x.value)),
              h("td", { class: `org ${x.origin.kind}` }, originText(x, d)),
            ),
          ),
        );
        el.append(h("div", { class: "call", "data-call": c.id }, h("b", {}, c.function.name), ` (${c.id})`, srcs.length ? args : h("div", {}, c.function.arguments)));
      }
    }
    msgEls.push(el);
    chat.append(el);
  });

  const head = h(
    "div",
    { class: "panel" },
    h("h2", { id: "dialogue-title" }, d.id, " ", h("span", { class: `badge ${d.accepted ? "ok" : "bad"}` }, d.accepted ? "accepted" : "rejected")),
    h("div", { class: "muted" }, `index ${d.index}${d.sampleId ? `, ${d.sampleId}` : ""}; backend ${d.backend ?? "–"}; models ${Object.entries(d.models).map(([r, x]) => `${r} ${x}`).join(", ") || "–"}`),
    h("div", { class: "muted" }, `tools offered: ${d.tools.join(", ")}`),
    d.judge ? h("div", {}, `judge: ${Object.entries(d.judge.scores).map(([k, v]) => `${k} ${v}`).join(", ")}${d.judge.rationale ? ` — ${d.judge.rationale}` : ""}`) : null,
    ...d.rejectedBy.map((r) => h("div", { class: "note" }, h("b", {}, `rejected by ${r.check}: `), r.reasons.join("; "))),
  );

  const side = h("div", {});
  if (d.plan) {
    side.append(
      h(
        "div",
        { class: "panel plan", id: "plan" },
        h("h2", {}, "Plan"),
        h(
          "ol",
          {},
          ...d.plan.steps.map((st) =>
            h(
              "li",
              { "data-step": st.id, "data-done": st.done ? "1" : "0" },
              h("span", { class: `tick${st.done ? "" : " no"}` }, st.done ? "✓ " : "✗ "),
              h("b", {}, st.kind), ` ${st.intent}`,
              st.tools.length ? h("div", { class: "muted" }, `tools: ${st.tools.join(", ")}${st.dependsOn.length ? `; after step ${st.dependsOn.join(", ")}` : ""}${st.missingArgs?.length ? `; missing: ${st.missingArgs.join(", ")}` : ""}`) : null,
              h("div", { class: "muted" }, st.messages.length ? `messages ${st.messages.join(", ")}` : "no message"),
              ...st.problems.map((p) => h("div", { class: "org ungrounded" }, p)),
            ),
          ),
        ),
        d.plan.unusedTools.length ? h("div", { class: "muted" }, `unused: ${d.plan.unusedTools.map((u) => `${u.tool} (${u.reason})`).join("; ")}`) : null,
      ),
    );
  } else side.append(h("div", { class: "panel muted" }, "No plan (--no-plan)."));
  const counts: Record<string, number> = {};
  const KIND: Record<string, string> = { message: "from one earlier turn", combined: "from several turns", schema: "documented", defaulted: "defaulted", knowledge: "general knowledge", empty: "empty", ungrounded: "ungrounded" };
  for (const x of d.sources) counts[KIND[x.origin.kind] ?? x.origin.kind] = (counts[KIND[x.origin.kind] ?? x.origin.kind] ?? 0) + 1;
  side.append(
    h(
      "div",
      { class: "panel", id: "checks" },
      h("h2", {}, "Verification"),
      h(
        "ul",
        { class: "checks" },
        ...d.checks.map((c) =>
          h(
            "li",
            {},
            h("span", { class: `badge ${c.skipped ? "" : c.passed ? (c.flagged ? "warn" : "ok") : "bad"}` }, c.skipped ? "skipped" : c.passed ? (c.flagged ? "flagged" : "passed") : "failed"),
            h("b", {}, c.name),
            c.metrics && Object.keys(c.metrics).length ? h("div", { class: "muted" }, Object.entries(c.metrics).map(([k, v]) => `${k} ${num(v, 3)}`).join(", ")) : null,
            ...c.reasons.map((r) => h("div", { class: "muted" }, r)),
          ),
        ),
      ),
      h("div", { id: "provenance-summary" }, `arguments: ${d.sources.length} (${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ") || "none"})`),
    ),
  );
  return [h("div", {}, head, chat), side];
}
