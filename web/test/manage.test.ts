import { describe, expect, it } from "vitest";
import { membership, orderSessions, renamed, type Session } from "../src/manage";

const session = (id: string, created_at: string, current = false): Session => ({ id, app: null, scopes: ["read"], created_at, current });

describe("orderSessions", () => {
  it("puts this browser first, then the newest", () => {
    const out = orderSessions([session("a", "2026-01-01T00:00:00Z"), session("b", "2026-03-01T00:00:00Z"), session("c", "2025-01-01T00:00:00Z", true)]);
    expect(out.map((s) => s.id)).toEqual(["c", "b", "a"]);
  });
  it("does not change its input", () => {
    const input = [session("a", "2026-01-01T00:00:00Z"), session("b", "2026-03-01T00:00:00Z")];
    orderSessions(input);
    expect(input.map((s) => s.id)).toEqual(["a", "b"]);
  });
});

describe("membership", () => {
  it("marks the lists holding the account, sorted by title whatever the case", () => {
    const all = [{ id: "1", title: "work" }, { id: "2", title: "Close friends" }, { id: "3", title: "Art" }];
    expect(membership(all, [{ id: "1", title: "work" }])).toEqual([
      { list: { id: "3", title: "Art" }, member: false },
      { list: { id: "2", title: "Close friends" }, member: false },
      { list: { id: "1", title: "work" }, member: true },
    ]);
  });
  it("is empty without lists", () => {
    expect(membership([], [])).toEqual([]);
  });
});

describe("renamed", () => {
  it("trims, and refuses an empty or unchanged title", () => {
    expect(renamed("Friends", "  Close  ")).toBe("Close");
    expect(renamed("Friends", "   ")).toBeNull();
    expect(renamed("Friends", " Friends ")).toBeNull();
  });
});
