import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { get } from "../api";
import { t } from "../i18n";
import { navigate, route } from "../router";
import type { Tag } from "../types";
import { Compose } from "./Compose";
import { Feed } from "./Feed";

// The first screen (home) and the side column: in the initial bundle. Every other screen is in
// ./screens, a chunk of its own (ui/lazy.tsx), fetched when the browser is idle.

export function Title({ text }: { text: string }) {
  useEffect(() => {
    document.title = `${text} · ${t.appName}`;
  }, [text]);
  return <h1 class="page-title">{text}</h1>;
}

export function Home() {
  const ranked = route.value.searchParams.get("tab") === "for-you";
  return (
    <>
      <Title text={t.nav.home} />
      <div class="tabs" role="tablist" aria-label={t.home.tabs}>
        <a role="tab" aria-selected={!ranked} href="/home">{t.home.latest}</a>
        <a role="tab" aria-selected={ranked} href="/home?tab=for-you">{t.home.forYou}</a>
      </div>
      <div class="inline-compose"><Compose target={{}} inline /></div>
      <Feed
        url={ranked ? "/api/v1/timelines/home?order=ranked&limit=20" : "/api/v1/timelines/home?limit=20"}
        live={ranked ? null : (e) => e.stream[0] === "user"}
        empty={t.home.empty}
      />
    </>
  );
}

export function SearchBox({ initial = "" }: { initial?: string }) {
  return (
    <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); const v = new FormData(e.currentTarget).get("q"); navigate(`/search?q=${encodeURIComponent(String(v ?? ""))}`); }}>
      <input type="search" name="q" value={initial} placeholder={t.search.placeholder} aria-label={t.search.label} />
    </form>
  );
}

export function Trends({ tags }: { tags: Tag[] }) {
  if (!tags.length) return null;
  return (
    <section class="trends">
      <h2>{t.explore.trendingTags}</h2>
      <ul>{tags.map((tag) => <li key={tag.name}><a href={`/tags/${encodeURIComponent(tag.name)}`}>#{tag.name}</a> <span class="muted">{t.explore.uses(tag.history?.reduce((n, d) => n + Number(d.uses), 0).toString() ?? "0")}</span></li>)}</ul>
    </section>
  );
}

export function SideTrends() {
  const tags = useSignal<Tag[]>([]);
  useEffect(() => void get<Tag[]>("/api/v1/trends/tags?limit=5").then((x) => (tags.value = x), () => undefined), []);
  return <Trends tags={tags.value} />;
}

