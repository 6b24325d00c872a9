import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { entities, graphemeLength, trimUrl, tweetLength, weightedLength } from "../src/text";

// Expected values follow chirp/core/text.py; tests/web/test_counter_parity.py also feeds this
// file the server's own answers for a few hundred texts (CHIRP_LENGTH_CASES).

describe("weightedLength", () => {
  it("counts plain ASCII by characters, CR LF as one", () => {
    expect(weightedLength("hello")).toBe(5);
    expect(weightedLength("a\r\nb")).toBe(3);
    expect(weightedLength("")).toBe(0);
  });
  it("counts every link as 23", () => {
    expect(weightedLength("https://example.com")).toBe(23);
    expect(weightedLength("see https://example.com/a/very/long/path/that/goes/on?and=on&on=on")).toBe(4 + 23);
    expect(weightedLength("http://x.y and http://z.w")).toBe(23 + 5 + 23);
  });
  it("leaves trailing punctuation and unbalanced parentheses out of links", () => {
    expect(trimUrl("https://example.com/a).")).toBe("https://example.com/a");
    expect(trimUrl("https://en.wikipedia.org/wiki/Foo_(bar)")).toBe("https://en.wikipedia.org/wiki/Foo_(bar)");
    expect(weightedLength("(https://example.com)")).toBe(1 + 23 + 1);
    expect(weightedLength("https://example.com!!")).toBe(25);
  });
  it("does not count a bare scheme as a link", () => {
    expect(weightedLength("https://")).toBe(8);
    expect(weightedLength("xhttps://example.com")).toBe(20);
  });
  it("counts a remote mention by its username only", () => {
    expect(weightedLength("@alice@example.social hi")).toBe("@alice hi".length);
    expect(weightedLength("@alice hi")).toBe(9);
    expect(weightedLength("mail@alice@example.social")).toBe(25);
  });
  it("treats a mention inside a link as the link", () => {
    expect(entities("https://example.com/@bob@x.y").map((e) => e.kind)).toEqual(["url"]);
    expect(weightedLength("https://example.com/@bob@x.y")).toBe(23);
  });
  it("counts grapheme clusters, as people see them", () => {
    expect(graphemeLength("é")).toBe(1); // e + combining acute
    expect(graphemeLength("👍🏽")).toBe(1);
    expect(graphemeLength("👨‍👩‍👧‍👦")).toBe(1);
    expect(graphemeLength("🇫🇷🇩🇪")).toBe(2);
    expect(weightedLength("日本語 https://例え.jp")).toBe(4 + 23);
  });
  it("adds the content warning to the body", () => {
    expect(tweetLength("body", "cw")).toBe(6);
    expect(tweetLength("https://a.bc", "👍🏽")).toBe(24);
  });
});

describe("parity with the server", () => {
  const file = process.env.CHIRP_LENGTH_CASES;
  it.runIf(!!file)("counts every case exactly as chirp/core/text.py", () => {
    const cases = JSON.parse(readFileSync(file!, "utf8")) as { text: string; length: number }[];
    const wrong = cases.filter((c) => weightedLength(c.text) !== c.length).map((c) => ({ ...c, app: weightedLength(c.text) }));
    expect(wrong).toEqual([]);
  });
});
