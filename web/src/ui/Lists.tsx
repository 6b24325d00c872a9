import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { get, post, request } from "../api";
import { t } from "../i18n";
import { failed, toast } from "../store";
import { watchList } from "../stream";
import type { Account } from "../types";
import { Feed } from "./Feed";
import { Title } from "./home";
import { AccountRow } from "./Status";

// Lists (Mastodon's /api/v1/lists): your lists, and a list's timeline with its own stream
// (`list`), its members, adding someone you follow by their handle.

interface List { id: string; title: string }

export function Lists() {
  const lists = useSignal<List[] | null>(null);
  const load = () => get<List[]>("/api/v1/lists").then((x) => (lists.value = x), (e) => { lists.value ??= []; failed(e); });
  useEffect(() => void load(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const title = String(new FormData(form).get("title") ?? "").trim();
    if (!title) return;
    try {
      await post<List>("/api/v1/lists", { title });
      form.reset();
      await load();
    } catch (error) {
      failed(error);
    }
  };
  return (
    <>
      <Title text={t.lists.title} />
      <form class="chat-form pad" onSubmit={create}>
        <input name="title" maxLength={100} placeholder={t.lists.newTitle} aria-label={t.lists.newTitle} />
        <button class="primary" type="submit">{t.lists.create}</button>
      </form>
      {lists.value?.length === 0 && <p class="empty">{t.lists.none}</p>}
      <ul class="tags pad">{lists.value?.map((l) => <li key={l.id}><a href={`/lists/${l.id}`}>{l.title}</a></li>)}</ul>
    </>
  );
}

export function ListPage({ id }: { id: string }) {
  const list = useSignal<List | null>(null);
  const members = useSignal<Account[] | null>(null);
  const editing = useSignal(false);
  const loadMembers = () => get<Account[]>(`/api/v1/lists/${id}/accounts?limit=80`).then((x) => (members.value = x), failed);
  useEffect(() => {
    get<List>(`/api/v1/lists/${id}`).then((x) => (list.value = x), failed);
    return watchList(id);
  }, [id]);
  useEffect(() => void (editing.value && loadMembers()), [editing.value]);
  const add = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const acct = String(new FormData(form).get("acct") ?? "").trim().replace(/^@/, "");
    try {
      const account = await get<Account>(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`);
      await post(`/api/v1/lists/${id}/accounts`, { account_ids: [account.id] });
      form.reset();
      toast(t.lists.added(account.acct));
      await loadMembers();
    } catch (error) {
      failed(error);
    }
  };
  const remove = async (a: Account) => {
    try {
      await request("DELETE", `/api/v1/lists/${id}/accounts`, { account_ids: [a.id] });
      members.value = (members.value ?? []).filter((m) => m.id !== a.id);
    } catch (error) {
      failed(error);
    }
  };
  return (
    <>
      <Title text={list.value?.title ?? t.lists.title} />
      <p class="pad"><button aria-expanded={editing.value} onClick={() => (editing.value = !editing.value)}>{t.lists.members}</button></p>
      {editing.value && (
        <section class="pad">
          <form class="chat-form" onSubmit={add}>
            <input name="acct" placeholder={t.lists.addPlaceholder} aria-label={t.lists.addPlaceholder} />
            <button type="submit">{t.lists.add}</button>
          </form>
          {members.value?.map((a) => <div class="request" key={a.id}><AccountRow account={a} /><button onClick={() => void remove(a)}>{t.lists.remove}</button></div>)}
        </section>
      )}
      <Feed url={`/api/v1/timelines/list/${id}?limit=20`} live={(e) => e.stream[0] === "list" && e.stream[1] === id} empty={t.lists.empty} />
    </>
  );
}
