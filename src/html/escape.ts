/**
 * The one way data text enters the report page's HTML on the Node side. The page builder (page.ts) writes data
 * only through these two functions: `escapeHtml` for text in elements and attributes, `scriptJson` for the JSON
 * data blocks. The browser side (src/html/client/) builds no HTML at all: every element is made with
 * `document.createElement` and data goes in as text nodes (client/dom.ts `h`), echarts tooltips included (their
 * formatters return elements, never HTML strings).
 */

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe inside an element or a quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON that is safe inside a `<script type="application/json">` element: no `<` (so no `</script>` or `<!--`),
 * and no U+2028/U+2029. `JSON.parse` of the element's text gives back the value.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}
