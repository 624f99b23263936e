/** Where the page's data comes from: the JSON blocks embedded in the file (report), or the view server. */
import type { DialogueDetail, DialogueRow, ReportSummary } from "../types.js";

export interface DataSource {
  live: boolean;
  summary(): Promise<ReportSummary>;
  /** The rows from position `from` on, and how many there are. */
  rows(from: number): Promise<{ total: number; rows: DialogueRow[] }>;
  detail(pos: number): Promise<DialogueDetail | null>;
}

function block<T>(id: string): T | undefined {
  const el = document.getElementById(id);
  return el?.textContent ? (JSON.parse(el.textContent) as T) : undefined;
}

export class EmbeddedSource implements DataSource {
  readonly live = false;
  private readonly chunks = new Map<number, Record<string, DialogueDetail>>();
  private readonly summaryData: ReportSummary;
  private readonly rowData: DialogueRow[];
  /** Details per data block (the page says: src/html/page.ts DETAILS_PER_CHUNK). */
  private readonly perChunk: number;
  constructor() {
    const s = block<ReportSummary>("tf-summary");
    if (!s) throw new Error("this page holds no report data");
    this.summaryData = s;
    this.rowData = block<DialogueRow[]>("tf-rows") ?? [];
    this.perChunk = Number(document.getElementById("tf-rows")?.dataset.perChunk ?? "200");
  }
  async summary(): Promise<ReportSummary> {
    return this.summaryData;
  }
  async rows(from: number) {
    return { total: this.rowData.length, rows: this.rowData.slice(from) };
  }
  async detail(pos: number): Promise<DialogueDetail | null> {
    const c = Math.floor(pos / this.perChunk);
    let chunk = this.chunks.get(c);
    if (!chunk) {
      chunk = block<Record<string, DialogueDetail>>(`tf-d-${c}`) ?? {};
      this.chunks.set(c, chunk);
    }
    return chunk[String(pos)] ?? null;
  }
}

export class LiveSource implements DataSource {
  readonly live = true;
  private async get<T>(path: string): Promise<T> {
    const res = await fetch(path, { cache: "no-store" });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
  summary() {
    return this.get<ReportSummary>("/api/summary");
  }
  rows(from: number) {
    return this.get<{ total: number; rows: DialogueRow[] }>(`/api/rows?from=${from}`);
  }
  async detail(pos: number) {
    try {
      return await this.get<DialogueDetail>(`/api/dialogue?pos=${pos}`);
    } catch {
      return null;
    }
  }
}

export function openSource(): DataSource {
  return document.getElementById("tf-live") ? new LiveSource() : new EmbeddedSource();
}
