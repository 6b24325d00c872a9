// Pure helpers behind the sessions and list-membership screens (tested with Vitest).

export interface Session {
  id: string;
  app: { name: string; website: string | null } | null;
  scopes: string[];
  created_at: string;
  current: boolean;
}

export interface List { id: string; title: string }

/** This browser's session first, then the others newest first. */
export function orderSessions(sessions: Session[]): Session[] {
  return [...sessions].sort((a, b) => Number(b.current) - Number(a.current) || b.created_at.localeCompare(a.created_at));
}

/** Every list of mine, alphabetically, with whether the account is in it. */
export function membership(all: List[], containing: List[]): { list: List; member: boolean }[] {
  const inside = new Set(containing.map((l) => l.id));
  return [...all]
    .sort((a, b) => a.title.localeCompare(b.title, undefined, { sensitivity: "base" }) || a.id.localeCompare(b.id))
    .map((list) => ({ list, member: inside.has(list.id) }));
}

/** The trimmed new title, or null when there is nothing to save. */
export function renamed(current: string, input: string): string | null {
  const title = input.trim();
  return title && title !== current ? title : null;
}
