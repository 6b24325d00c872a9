import { describe, expect, it } from "vitest";
import { StreamCursor, compareIds, comparePositions, mergeNewest, parsePosition } from "../src/position";

describe("positions", () => {
  it("parse and order by epoch, then sequence, numerically", () => {
    expect(parsePosition("1700000000000-12")).toEqual([1700000000000, 12]);
    expect(parsePosition("nope")).toBeNull();
    expect(comparePositions("5-9", "5-10")).toBeLessThan(0);
    expect(comparePositions("6-0", "5-10")).toBeGreaterThan(0);
    expect(comparePositions("5-10", "5-10")).toBe(0);
  });
});

describe("StreamCursor: filling the gap after a reconnect", () => {
  it("passes new frames in order and remembers the last", () => {
    const c = new StreamCursor();
    expect(c.accept("1-1")).toBe(true);
    expect(c.accept("1-2")).toBe(true);
    expect(c.last).toBe("1-2");
  });
  it("drops a replay that overlaps what was already processed", () => {
    const c = new StreamCursor("1-5");
    const replay = ["1-4", "1-5", "1-6", "1-7"].filter((id) => c.accept(id));
    expect(replay).toEqual(["1-6", "1-7"]);
    expect(c.accept("1-6")).toBe(false);
    expect(c.last).toBe("1-7");
  });
  it("passes one event once on each stream it reaches (user and hashtag), never twice on one", () => {
    const c = new StreamCursor();
    expect(c.accept("1-7", "user")).toBe(true);
    expect(c.accept("1-7", "hashtag:birds")).toBe(true);
    expect(c.accept("1-7", "user")).toBe(false);
    expect(c.accept("1-8", "user")).toBe(true);
    expect(c.accept("1-7", "hashtag:birds")).toBe(false); // older than the last: a replay
  });
  it("after a reload, the remembered position alone drops its own replay", () => {
    const c = new StreamCursor("1-7");
    expect(c.accept("1-7", "user")).toBe(false);
  });
  it("passes frames without an id (live counters) without moving", () => {
    const c = new StreamCursor("1-5");
    expect(c.accept(undefined)).toBe(true);
    expect(c.last).toBe("1-5");
  });
  it("accepts a new epoch (a restarted server) and starts over after chirp.reset", () => {
    const c = new StreamCursor("1-500");
    expect(c.accept("2-1")).toBe(true);
    c.reset();
    expect(c.last).toBeNull();
    expect(c.accept("1-1")).toBe(true);
  });
  it("orders across sequence widths (9 < 10)", () => {
    const c = new StreamCursor("7-9");
    expect(c.accept("7-10")).toBe(true);
  });
});

describe("mergeNewest: a REST reload merged with what is shown", () => {
  it("keeps one of each, newest first", () => {
    expect(mergeNewest(["30", "20"], ["20", "10"])).toEqual(["30", "20", "10"]);
  });
  it("orders snowflake strings by length, then text", () => {
    expect(compareIds("100", "99")).toBeGreaterThan(0);
    expect(mergeNewest(["99"], ["100"])).toEqual(["100", "99"]);
  });
});
