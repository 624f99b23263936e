import { describe, expect, it } from "vitest";
import { nameStems, splitWords, stemTokens } from "./text.js";

describe("identifier splitting and stemming", () => {
  it("splits camelCase, snake_case, acronyms and digits", () => {
    expect(splitWords("lastModifiedAfter")).toEqual(["last", "modified", "after"]);
    expect(splitWords("HTTPResponse_code2")).toEqual(["http", "response", "code", "2"]);
    expect(splitWords("user-id.value")).toEqual(["user", "id", "value"]);
  });

  it("stems names so variants meet, and keeps direction words in names", () => {
    expect(nameStems("bookingIds")).toEqual(nameStems("booking_id"));
    expect(nameStems("travel_to")).not.toEqual(nameStems("travel_from"));
    expect(nameStems("date_of_birth")).toEqual(["date", "birth"]);
  });

  it("drops stop words, numbers and one-letter words from descriptions", () => {
    expect(stemTokens("The ID of the booking, e.g. 42")).toEqual(["id", "book"]);
  });
});
