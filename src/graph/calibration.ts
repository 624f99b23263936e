/**
 * Calibration of the lexical threshold: hand-labelled tool pairs from BFCL's multi-turn API collections
 * (travel, messaging, posting, tickets, trading, vehicle, memory, file system, math, web search), built as one
 * collection of ~150 tools. Positives are joins a person would draw (mostly a producer's return field feeding a
 * consumer's parameter); negatives are pairs only a generic or ambiguous word connects (`id` of a tweet vs an
 * order, `mode` of headlights vs a file count, `message` of two different systems).
 *
 * For each threshold the sweep reports recall on positives, the share of negatives joined, and the shape of the
 * graph. The default threshold maximizes recall - false-positive share (Youden's J), ties to the higher threshold.
 */
import type { ToolSpec } from "../core/index.js";
import { buildToolGraph } from "./builder.js";
import type { FieldEmbedder } from "./embedders/types.js";
import { graphStats } from "./stats.js";
import type { ToolGraph } from "./tool-graph.js";

/** The multi-turn collection files, relative to ../shared/data/bfcl/multi_turn_func_doc (in this order). */
export const CALIBRATION_FILES = [
  "gorilla_file_system.json",
  "math_api.json",
  "memory_kv.json",
  "memory_rec_sum.json",
  "memory_vector.json",
  "message_api.json",
  "posting_api.json",
  "ticket_api.json",
  "trading_bot.json",
  "travel_booking.json",
  "vehicle_control.json",
  "web_search.json",
] as const;

export interface LabelledPair {
  /** For P-R positives: the producer. */
  a: string;
  b: string;
  /** "P-R": a must feed b (directed); "any": any edge joining a and b counts. */
  kind: "P-R" | "any";
  why: string;
}

/** Joins a person would draw. Tool names as imported (memory_vector's clashing names get `_v2`). */
export const POSITIVE_PAIRS: LabelledPair[] = [
  { a: "authenticate_travel", b: "book_flight", kind: "P-R", why: "access_token" },
  { a: "authenticate_travel", b: "cancel_booking", kind: "P-R", why: "access_token" },
  { a: "authenticate_travel", b: "purchase_insurance", kind: "P-R", why: "access_token" },
  { a: "authenticate_travel", b: "retrieve_invoice", kind: "P-R", why: "access_token" },
  { a: "book_flight", b: "cancel_booking", kind: "P-R", why: "booking_id" },
  { a: "book_flight", b: "purchase_insurance", kind: "P-R", why: "booking_id" },
  { a: "book_flight", b: "retrieve_invoice", kind: "P-R", why: "booking_id" },
  { a: "book_flight", b: "contact_customer_support", kind: "P-R", why: "booking_id" },
  { a: "register_credit_card", b: "book_flight", kind: "P-R", why: "card_id" },
  { a: "register_credit_card", b: "get_credit_card_balance", kind: "P-R", why: "card_id" },
  { a: "purchase_insurance", b: "retrieve_invoice", kind: "P-R", why: "insurance_id" },
  { a: "get_nearest_airport_by_city", b: "get_flight_cost", kind: "P-R", why: "nearest_airport -> travel_from" },
  { a: "get_user_id", b: "message_login", kind: "P-R", why: "user_id" },
  { a: "add_contact", b: "message_login", kind: "P-R", why: "user_id" },
  { a: "get_user_id", b: "send_message", kind: "P-R", why: "user_id -> receiver_id" },
  { a: "search_messages", b: "delete_message", kind: "P-R", why: "receiver_id" },
  { a: "post_tweet", b: "comment", kind: "P-R", why: "id -> tweet_id" },
  { a: "post_tweet", b: "retweet", kind: "P-R", why: "id -> tweet_id" },
  { a: "search_tweets", b: "retweet", kind: "P-R", why: "matching_tweets[].id -> tweet_id" },
  { a: "get_user_tweets", b: "get_tweet_comments", kind: "P-R", why: "user_tweets[].id -> tweet_id" },
  { a: "get_tweet", b: "get_user_stats", kind: "P-R", why: "username" },
  { a: "create_ticket", b: "close_ticket", kind: "P-R", why: "id -> ticket_id" },
  { a: "create_ticket", b: "resolve_ticket", kind: "P-R", why: "id -> ticket_id" },
  { a: "get_user_tickets", b: "edit_ticket", kind: "P-R", why: "id -> ticket_id" },
  { a: "place_order", b: "cancel_order", kind: "P-R", why: "order_id" },
  { a: "place_order", b: "get_order_details", kind: "P-R", why: "order_id" },
  { a: "get_symbol_by_name", b: "get_stock_info", kind: "P-R", why: "symbol" },
  { a: "get_symbol_by_name", b: "place_order", kind: "P-R", why: "symbol" },
  { a: "get_available_stocks", b: "filter_stocks_by_price", kind: "P-R", why: "stock_list -> stocks" },
  { a: "get_stock_info", b: "place_order", kind: "P-R", why: "price" },
  { a: "estimate_distance", b: "estimate_drive_feasibility_by_mileage", kind: "P-R", why: "distance" },
  { a: "get_current_speed", b: "setCruiseControl", kind: "P-R", why: "currentSpeed -> speed" },
  { a: "liter_to_gallon", b: "gallon_to_liter", kind: "P-R", why: "gallon" },
  { a: "core_memory_list_keys", b: "core_memory_retrieve", kind: "P-R", why: "keys -> key" },
  { a: "core_memory_add_v2", b: "core_memory_remove_v2", kind: "P-R", why: "id -> vec_id" },
  { a: "archival_memory_retrieve_v2", b: "archival_memory_update", kind: "P-R", why: "results[].id -> vec_id" },
  { a: "find", b: "cat", kind: "P-R", why: "matches -> file_name" },
  { a: "cat", b: "grep", kind: "any", why: "file_name" },
  { a: "mkdir", b: "rmdir", kind: "any", why: "dir_name" },
  { a: "add", b: "subtract", kind: "any", why: "a, b" },
];

/** Pairs that only a generic or ambiguous word connects: no edge wanted. */
export const NEGATIVE_PAIRS: LabelledPair[] = [
  { a: "post_tweet", b: "cancel_order", kind: "any", why: "tweet id vs order_id" },
  { a: "create_ticket", b: "message_login", kind: "any", why: "ticket id vs user_id" },
  { a: "archival_memory_add_v2", b: "close_ticket", kind: "any", why: "vector id vs ticket_id" },
  { a: "get_order_details", b: "retweet", kind: "any", why: "order id vs tweet_id" },
  { a: "get_symbol_by_name", b: "find", kind: "any", why: "stock name vs file name" },
  { a: "activateParkingBrake", b: "wc", kind: "any", why: "mode" },
  { a: "setHeadlights", b: "fetch_url_content", kind: "any", why: "mode" },
  { a: "send_message", b: "contact_customer_support", kind: "any", why: "message of different systems" },
  { a: "archival_memory_add", b: "logarithm", kind: "any", why: "value" },
  { a: "trading_login", b: "get_user_tickets", kind: "any", why: "login status vs ticket status" },
  { a: "cancel_booking", b: "cancel_order", kind: "any", why: "booking vs order" },
  { a: "authenticate_travel", b: "authenticate_twitter", kind: "any", why: "different credentials" },
  { a: "get_account_info", b: "get_credit_card_balance", kind: "any", why: "trading balance vs credit card" },
  { a: "du", b: "cd", kind: "any", why: "unrelated shell commands" },
  { a: "get_current_time", b: "get_flight_cost", kind: "any", why: "time vs travel date" },
  { a: "set_navigation", b: "cp", kind: "any", why: "destination of a car vs of a file copy" },
  { a: "mean", b: "display_log", kind: "any", why: "numbers vs messages" },
  { a: "square_root", b: "get_order_details", kind: "any", why: "precision/number vs order" },
  { a: "memory_append", b: "echo", kind: "any", why: "memory text vs terminal content" },
  { a: "add_contact", b: "find", kind: "any", why: "user name vs file name" },
];

function joined(g: ToolGraph, p: LabelledPair): boolean {
  if (!g.graph.hasNode(p.a) || !g.graph.hasNode(p.b)) throw new Error(`calibration pair names an unknown tool: ${p.a} / ${p.b}`);
  return g.edgesBetween(p.a, p.b).some((e) => p.kind === "any" || (e.kind === "P-R" && e.source === p.a && e.target === p.b));
}

export interface CalibrationRow {
  threshold: number;
  recall: number;
  falsePositiveShare: number;
  youden: number;
  edges: number;
  isolated: number;
  largestComponentShare: number;
  maxDegree: number;
}

/** Build the graph once per threshold and score it against the labelled pairs. */
export async function calibrationSweep(tools: readonly ToolSpec[], embedder: () => FieldEmbedder, thresholds: readonly number[]): Promise<CalibrationRow[]> {
  const rows: CalibrationRow[] = [];
  for (const threshold of thresholds) {
    const g = await buildToolGraph(tools, { embedder: embedder(), threshold });
    const recall = POSITIVE_PAIRS.filter((p) => joined(g, p)).length / POSITIVE_PAIRS.length;
    const fp = NEGATIVE_PAIRS.filter((p) => joined(g, p)).length / NEGATIVE_PAIRS.length;
    const s = graphStats(g);
    rows.push({
      threshold,
      recall,
      falsePositiveShare: fp,
      youden: recall - fp,
      edges: s.edges.total,
      isolated: s.isolated.count,
      largestComponentShare: s.components.largestShare,
      maxDegree: s.degree.max,
    });
  }
  return rows;
}

/** The threshold with the best Youden's J (ties: the higher threshold, i.e. the sparser graph). */
export function bestThreshold(rows: readonly CalibrationRow[]): number {
  let best: CalibrationRow | undefined;
  for (const r of rows) if (!best || r.youden > best.youden + 1e-9 || (Math.abs(r.youden - best.youden) <= 1e-9 && r.threshold > best.threshold)) best = r;
  return best?.threshold ?? NaN;
}
