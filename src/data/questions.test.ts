/**
 * asksQuestion: question marks of any script, sentence-opening question words, Spanish accented interrogatives,
 * CJK question words and final particles, requests for information; and statements that must not count.
 */
import { describe, expect, it } from "vitest";
import { asksQuestion } from "./questions.js";

describe("asksQuestion", () => {
  it("a question mark of any script", () => {
    for (const t of ["Which date?", "哪天出发？", "¿Para cuándo", "متى تريد السفر؟", "Πότε θέλετε να φύγετε\u037E", "Ի՞նչ"]) {
      expect(asksQuestion(t), t).toBe(true);
    }
  });

  it("questions without a mark: opening question words, Spanish accents, CJK words and particles", () => {
    const asks = [
      "Which city would you like the weather for.",
      "Great. Could you tell me the date",
      "Do you want a window seat",
      "Perfecto, dime cuántas personas serán.",
      "Necesito saber dónde recogerle.",
      "Puede indicarme el número de reserva",
      "Quel jour souhaitez-vous partir",
      "Können Sie mir das Datum nennen",
      "Qual é o seu destino",
      "您想查询哪个城市的天气",
      "需要查询北京明天的天气吗",
      "您的预算是多少",
      "出発日はいつですか",
      "어느 도시로 가시나요",
    ];
    for (const t of asks) expect(asksQuestion(t), t).toBe(true);
  });

  it("requests for information", () => {
    for (const t of ["Please provide your order number.", "Let me know the date.", "Dígame la ciudad, por favor.", "请提供收款人的账号。", "Bitte geben Sie das Datum an."]) {
      expect(asksQuestion(t), t).toBe(true);
    }
  });

  it("statements do not ask", () => {
    const statements = [
      "Booked at Luigi.",
      "However, the flight is full.",
      "Here is what I found: two hotels.",
      "Hola, puedo ayudarte con vuelos y el clima.",
      "Como le dije, el vuelo sale a las 9.",
      "您好，我可以帮您订票和查天气。",
      "已为您预订 MU5101。",
      "予約が完了しました。",
      "",
      null,
    ];
    for (const t of statements) expect(asksQuestion(t), String(t)).toBe(false);
  });
});
