/**
 * The plots, drawn with echarts (SVG renderer): tool usage sorted (with coverage and Gini), step kinds, calls per
 * dialogue, dialogue length, judge scores per criterion with their intervals, tokens and cost per role, and
 * rejections by check. Names from the data (tools, step kinds, criteria, roles, checks) reach echarts only as
 * text: axis labels and titles are SVG text nodes, and every tooltip is built here as elements (`tooltip()`),
 * so echarts never puts an HTML string of ours, or its own default markup, into the page.
 */
import * as echarts from "echarts/core";
import { BarChart, CustomChart, LineChart } from "echarts/charts";
import { DataZoomComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import type { DialogueRow, Interval, ReportSummary } from "../types.js";
import { h, num, pct } from "./dom.js";

echarts.use([BarChart, LineChart, CustomChart, GridComponent, TooltipComponent, TitleComponent, LegendComponent, DataZoomComponent, SVGRenderer]);

type Option = Parameters<echarts.ECharts["setOption"]>[0];
const charts: echarts.ECharts[] = [];

const BLUE = "#2f6fde";
const ORANGE = "#e07b1a";

interface TipParam {
  name?: string;
  axisValueLabel?: string;
  seriesName?: string;
  value?: unknown;
  color?: unknown;
  dataIndex?: number;
}

function tipValue(v: unknown): string {
  if (typeof v === "number") return num(v, 4);
  if (Array.isArray(v)) return v.map(tipValue).join(", ");
  return v === null || v === undefined ? "–" : String(v);
}

/**
 * The one kind of tooltip the plots have: a title line and label / value lines, as elements with text nodes
 * (echarts takes an element from a formatter and appends it). `lines` gives the lines of the hovered item (axis
 * trigger: of every series at that category); by default each series' name and value.
 */
function tooltip(trigger: "axis" | "item", lines?: (ps: TipParam[]) => { title: string; rows: Array<[string, string]> }) {
  return {
    trigger,
    formatter: (p: unknown): HTMLElement => {
      const ps = (Array.isArray(p) ? p : [p]) as TipParam[];
      const first = ps[0] ?? {};
      const shown = lines
        ? lines(ps)
        : { title: String(first.axisValueLabel ?? first.name ?? ""), rows: ps.map((x): [string, string] => [ps.length > 1 ? String(x.seriesName ?? "") : "", tipValue(x.value)]) };
      return h(
        "div",
        { class: "tip" },
        h("b", {}, shown.title),
        ...shown.rows.map(([label, value], i) => {
          const color = lines ? undefined : ps[i]?.color;
          const dot = typeof color === "string" && /^#[0-9a-f]{3,8}$/i.test(color) ? h("i", { class: "dot", style: `background:${color}` }) : null;
          return h("div", {}, dot, label ? `${label}: ` : "", value);
        }),
      );
    },
  };
}

function histogram(values: number[]): { labels: string[]; counts: number[] } {
  if (values.length === 0) return { labels: [], counts: [] };
  let max = 0;
  for (const v of values) if (v > max) max = v;
  const counts = new Array<number>(max + 1).fill(0);
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return { labels: counts.map((_, i) => String(i)), counts };
}

function bar(title: string, labels: string[], values: number[], extra: { subtitle?: string; horizontal?: boolean; xName?: string; yName?: string } = {}): Option {
  const cat = { type: "category" as const, data: labels, name: extra.xName, nameLocation: "middle" as const, nameGap: 26, axisLabel: { interval: "auto" as const, rotate: labels.length > 12 && !extra.horizontal ? 40 : 0 } };
  const val = { type: "value" as const, name: extra.yName };
  return {
    title: { text: title, subtext: extra.subtitle, left: 8, textStyle: { fontSize: 14 } },
    tooltip: tooltip("axis"),
    grid: { left: extra.horizontal ? 150 : 56, right: 20, top: 84, bottom: labels.length > 12 && !extra.horizontal ? 90 : 48 },
    xAxis: extra.horizontal ? val : cat,
    yAxis: extra.horizontal ? { ...cat, inverse: true, axisLabel: { width: 140, overflow: "truncate", interval: 0 } } : val,
    series: [{ type: "bar", data: values, itemStyle: { color: BLUE } }],
  };
}

function intervals(title: string, subtitle: string, criteria: Record<string, Interval | null>): Option {
  const names = Object.keys(criteria).filter((k) => criteria[k]);
  const data = names.map((k, i) => [i, criteria[k]!.mean, criteria[k]!.low, criteria[k]!.high]);
  return {
    title: { text: title, subtext: subtitle, left: 8, textStyle: { fontSize: 14 } },
    tooltip: tooltip("item", (ps) => {
      const i = ps[0]?.dataIndex ?? 0;
      const c = criteria[names[i] ?? ""];
      return { title: names[i] ?? "", rows: [["mean", num(c?.mean, 2)], ["95 % interval", `${num(c?.low, 2)} – ${num(c?.high, 2)}`]] };
    }),
    grid: { left: 56, right: 20, top: 84, bottom: 40 },
    xAxis: { type: "category", data: names },
    yAxis: { type: "value", min: 1, max: 5, name: "score" },
    series: [
      { type: "bar", data: data.map((d) => d[1]), itemStyle: { color: BLUE, opacity: 0.75 }, barWidth: "40%" },
      {
        type: "custom",
        data,
        renderItem: (_params: unknown, api: { value(i: number): number; coord(p: number[]): number[]; size(p: number[]): number[] }) => {
          const x = api.value(0);
          const lo = api.coord([x, api.value(2)]);
          const hi = api.coord([x, api.value(3)]);
          const w = (api.size([1, 0])[0] ?? 20) * 0.12;
          const style = { stroke: "#1d2330", lineWidth: 1.5 };
          return {
            type: "group",
            children: [
              { type: "line", shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style },
              { type: "line", shape: { x1: lo[0]! - w, y1: lo[1], x2: lo[0]! + w, y2: lo[1] }, style },
              { type: "line", shape: { x1: hi[0]! - w, y1: hi[1], x2: hi[0]! + w, y2: hi[1] }, style },
            ],
          };
        },
        z: 10,
      },
    ] as never,
  };
}

/** Draw every plot into `root` (a visible element). Returns nothing; charts resize with the window. */
export function renderPlots(root: HTMLElement, s: ReportSummary, rows: DialogueRow[]): void {
  for (const c of charts.splice(0)) c.dispose();
  root.replaceChildren();
  root.classList.add("plots");
  const add = (id: string, option: Option | null, empty: string, height?: number) => {
    const box = h("div", { class: "panel plot", id, style: height ? `height:${height}px` : undefined });
    root.append(box);
    if (!option) {
      box.style.height = "auto";
      box.append(h("p", { class: "muted" }, empty));
      return;
    }
    const chart = echarts.init(box, undefined, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  };
  const f = s.figures;
  const accepted = rows.filter((r) => r.a === 1);

  if (f && Object.keys(f.toolUse).length) {
    const entries = Object.entries(f.toolUse);
    const shown = entries.slice(0, 60);
    add(
      "plot-tools",
      bar("Tool usage (calls per tool)", shown.map((e) => e[0]), shown.map((e) => e[1]), {
        subtitle: `coverage ${pct(f.toolCoverage)} of ${num(f.toolUniverse.size)} tools, Gini ${num(f.gini, 3)}${entries.length > shown.length ? `; top ${shown.length} of ${entries.length}` : ""}`,
        horizontal: true,
      }),
      "",
      Math.max(340, 90 + 16 * shown.length),
    );
  } else add("plot-tools", null, "No tool calls yet.");

  const kinds = f?.stepKinds ? Object.entries(f.stepKinds) : [];
  add("plot-kinds", kinds.length ? bar("Plan step kinds", kinds.map((k) => k[0]), kinds.map((k) => k[1]), { subtitle: `${num(f?.withPlan ?? 0)} planned dialogues` }) : null, "No plans.");

  const calls = histogram(accepted.map((r) => r.c));
  add("plot-calls", calls.labels.length ? bar("Calls per dialogue", calls.labels, calls.counts, { xName: "tool calls", yName: "dialogues", subtitle: `mean ${num(f?.callsPerDialogue, 2)}` }) : null, "No dialogues yet.");

  const len = histogram(accepted.map((r) => r.n));
  add("plot-length", len.labels.length ? bar("Dialogue length", len.labels, len.counts, { xName: "user + assistant turns", yName: "dialogues", subtitle: f ? `tokens per dialogue: mean ${num(f.tokens.dialogue.mean, 0)}, p90 ${num(f.tokens.dialogue.p90)}` : "" }) : null, "No dialogues yet.");

  const judge = s.judge && Object.values(s.judge.criteria).some(Boolean) ? s.judge : null;
  if (judge) add("plot-judge", intervals("Judge scores per criterion", `toolflow judge, ${num(judge.dialogues)} dialogues, 95 % bootstrap intervals`, judge.criteria), "");
  else if (s.recordJudge) add("plot-judge", intervals("Judge scores per criterion", `synth --judge, ${num(s.recordJudge.dialogues)} dialogues, 95 % bootstrap intervals`, s.recordJudge.criteria), "");
  else add("plot-judge", null, "No judge scores (run `toolflow judge`, or synth with --judge).");

  const m = s.manifest as { usage?: { byRole?: Record<string, { promptTokens: number; completionTokens: number }> }; cost?: { byRole?: Record<string, number | null> } } | null;
  const byRole = m?.usage?.byRole ?? {};
  const roles = Object.keys(byRole);
  if (roles.length) {
    const cost = m?.cost?.byRole ?? {};
    add(
      "plot-usage",
      {
        title: { text: "Tokens and cost per role", left: 8, textStyle: { fontSize: 14 } },
        tooltip: tooltip("axis"),
        legend: { top: 28, right: 10 },
        grid: { left: 70, right: 70, top: 84, bottom: 40 },
        xAxis: { type: "category", data: roles },
        yAxis: [{ type: "value", name: "tokens" }, { type: "value", name: "USD", position: "right" }],
        series: [
          { name: "prompt", type: "bar", stack: "t", data: roles.map((r) => byRole[r]!.promptTokens), itemStyle: { color: BLUE } },
          { name: "completion", type: "bar", stack: "t", data: roles.map((r) => byRole[r]!.completionTokens), itemStyle: { color: "#7fa7ec" } },
          { name: "cost", type: "line", yAxisIndex: 1, data: roles.map((r) => cost[r] ?? 0), itemStyle: { color: ORANGE } },
        ],
      },
      "",
    );
  } else add("plot-usage", null, "No usage (no manifest yet).");

  const rej = Object.entries(s.rejections.byCheck);
  add("plot-rejections", rej.length ? bar("Rejections by check", rej.map((r) => r[0]), rej.map((r) => r[1]), { subtitle: `${num(s.rejections.total)} rejected` }) : null, "No dialogue was rejected.");
}

window.addEventListener("resize", () => {
  for (const c of charts) c.resize();
});
