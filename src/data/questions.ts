/**
 * Does a text ask the reader something? Used by `toolflow stats` to find clarification questions in any script,
 * not only by a Latin "?":
 *
 * - a question mark of any script: `?`, full-width `？`, Spanish `¿`, Arabic `؟`, Greek `;` (U+037E), Armenian `՞`,
 *   Ethiopic `፧`, and the small / doubled forms `﹖ ⁇ ⁈ ⁉`;
 * - a sentence that opens with a question word of a small set of languages (English, Spanish, Portuguese,
 *   French, Italian, German, Russian), e.g. "Which date would suit you." or "Können Sie mir das Datum nennen";
 * - Spanish accented interrogatives anywhere (`qué`, `cuál`, `dónde`, `cuándo`, `cuánto`, `cómo`, `quién`): without
 *   the accent they are relatives, with it they ask;
 * - Chinese, Japanese and Korean question words anywhere (`什么 哪 怎么 是否 多少 谁 为什么 请问`, `何 どこ いつ どの
 *   どれ 誰 どう`, `무엇 어디 언제 어느 누구 어떻게`) and the sentence-final particles (`吗 呢 么`, `か`, `까 / 까요 /
 *   나요`);
 * - a request for information, the way assistants often ask without a question mark: "please provide / specify /
 *   tell me / let me know / confirm ...", "por favor indique ...", "请提供 / 请告诉 / 请确认 ...".
 *
 * The lists are deliberately small and conservative: a word that is as often a conjunction as a question word in
 * a statement (English "when", "where" at a sentence start are kept, "as" / "if" are not) stays out.
 */

/** Question marks of any script. */
export const QUESTION_MARKS = "?？¿؟\u037E՞፧⸮﹖⁇⁈⁉";
const MARK_RE = new RegExp(`[${QUESTION_MARKS}]`, "u");

/** Sentence ends (the question marks are handled before splitting). */
const SENTENCE_SPLIT = /[.!。！…;；:：\n]+/u;

const L = "\\p{L}";
/** A word of `words` at the start of a sentence (after opening quotes / dashes). */
function opening(words: string[]): RegExp {
  return new RegExp(`^[^${L}\\p{N}]*(?:${words.join("|")})(?![${L}])`, "iu");
}
/** A word of `words` anywhere, as a whole word. */
function anywhere(words: string[]): RegExp {
  return new RegExp(`(?<![${L}])(?:${words.join("|")})(?![${L}])`, "iu");
}

const PRONOUNS = "(?:you|i|we|it|there|this|that|they|he|she)";
const OPENINGS = opening([
  // English: interrogatives, and an auxiliary followed by its subject ("do you", "is there", "should I")
  "what",
  "which",
  "who",
  "whom",
  "whose",
  "where",
  "when",
  "why",
  "how",
  `(?:could|can|would|will|do|does|did|are|is|was|were|should|shall|may|might|have|has)\\s+${PRONOUNS}`,
  // Spanish / Portuguese / Italian / French / German / Russian sentence-initial interrogatives
  "qual",
  "quais",
  "quem",
  "onde",
  "quando",
  "quanto",
  "quanta",
  "quantos",
  "quantas",
  "quale",
  "quali",
  "dove",
  "chi",
  "cosa",
  "che cosa",
  "o que",
  "perché",
  "quel",
  "quelle",
  "quels",
  "quelles",
  "où",
  "qui",
  "comment",
  "pourquoi",
  "combien",
  "est-ce que",
  "(?:pouvez|pourriez|voulez|voudriez|avez|êtes)-vous",
  "welche[rsnm]?",
  "wer",
  "wen",
  "wem",
  "wessen",
  "wann",
  "wo",
  "warum",
  "wieso",
  "weshalb",
  "wieviel",
  "wie viele?",
  "(?:können|könnten|möchten|haben|sind|wollen)\\s+sie",
  // a Spanish modal with a verb taking "me" / "nos": "Puede indicarme ...", "Podría decirnos ..."
  "(?:podría|podrías|puede|puedes|podrá|podrás)\\s+(?:usted\\s+)?\\p{L}+(?:me|nos)",
  "(?:quiere|quieres|desea|deseas|prefiere|prefieres)\\s+(?:usted\\s+)?que",
  "что",
  "какой",
  "какая",
  "какое",
  "какие",
  "кто",
  "где",
  "когда",
  "почему",
  "сколько",
]);

/** Spanish accented interrogatives: asking wherever they stand. */
const SPANISH = anywhere(["qué", "cuál", "cuáles", "quién", "quiénes", "dónde", "adónde", "cuándo", "cuánto", "cuánta", "cuántos", "cuántas", "cómo"]);

/** Requests for information written as statements. */
const REQUESTS = anywhere([
  "please (?:provide|specify|tell|let me know|confirm|share|give|send|enter|indicate|choose|select|clarify)",
  "let me know",
  "i need to know",
  "could you (?:provide|specify|tell|confirm|share)",
  "por favor,? (?:indique|indícame|indica|dime|díganos|proporcione|proporcióname|especifique|especifica|confirme|confirma|elija|elige)",
  "(?:indíqueme|indícame|dígame|dime|proporcióneme|proporcióname)",
  "s'il vous plaît,? (?:indiquez|précisez|donnez|confirmez)",
  "bitte (?:geben sie|nennen sie|teilen sie|bestätigen sie)",
]);

/** CJK question words and requests (no word boundaries in these scripts). */
const CJK = /什么|什麼|哪|怎么|怎麼|怎样|怎樣|是否|如何|多少|几个|幾個|几点|幾點|几位|幾位|几天|幾天|几号|幾號|为什么|為什麼|谁|誰|请问|請問|请提供|請提供|请告诉|請告訴|请确认|請確認|请说明|請說明|何時|何を|何の|何が|どこ|いつ|どの|どれ|どう|どんな|いくつ|いくら|教えてください|무엇|뭐|어디|언제|어느|누구|어떻게|몇|알려\s?주세요/u;

/** Sentence-final particles that make a question (checked on a sentence with its closing punctuation removed). */
const FINAL_PARTICLE = /(?:吗|嗎|呢|么|麼|ですか|ますか|でしょうか|ませんか|か|까|까요|나요|가요|습니까|ㅂ니까)$/u;

/** Whether `text` asks something (see the file comment for what counts). */
export function asksQuestion(text: string | null | undefined): boolean {
  if (!text) return false;
  if (MARK_RE.test(text)) return true;
  if (SPANISH.test(text) || REQUESTS.test(text) || CJK.test(text)) return true;
  for (const raw of text.split(SENTENCE_SPLIT)) {
    const s = raw.trim();
    if (s === "") continue;
    if (OPENINGS.test(s)) return true;
    if (FINAL_PARTICLE.test(s.replace(/[\s"'”’」』)）]+$/u, ""))) return true;
  }
  return false;
}
