import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { get, post, request } from "../api";
import { t } from "../i18n";
import { membership, renamed, type List } from "../manage";
import { navigate } from "../router";
import { failed, toast } from "../store";
import { watchList } from "../stream";
import type { Account } from "../types";
import { Feed } from "./Feed";
import { Title } from "./home";
import { Icon } from "./icons";
import { AccountRow } from "./Status";

// Lists (Mastodon's /api/v1/lists): your lists, and a list's timeline with its own stream
// (`list`), its members, adding someone you follow by their handle; renaming and deleting a
// list; and, from a profile, putting that account in or out of each of your lists.

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
  const renaming = useSignal(false);
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
  const rename = async (e: Event) => {
    e.preventDefault();
    const current = list.value;
    const title = current && renamed(current.title, String(new FormData(e.currentTarget as HTMLFormElement).get("title") ?? ""));
    if (!title) return void (renaming.value = false);
    try {
      list.value = (await request<List>("PUT", `/api/v1/lists/${id}`, { title })).data;
      renaming.value = false;
      toast(t.lists.renamed);
    } catch (error) {
      failed(error);
    }
  };
  const removeList = async () => {
    const title = list.value?.title ?? "";
    if (!confirm(t.lists.confirmDelete(title))) return;
    try {
      await request("DELETE", `/api/v1/lists/${id}`);
      toast(t.lists.deleted(title));
      navigate("/lists");
    } catch (error) {
      failed(error);
    }
  };
  return (
    <>
      <Title text={list.value?.title ?? t.lists.title} />
      {renaming.value && list.value && (
        <form class="chat-form pad" onSubmit={rename}>
          <input name="title" maxLength={100} value={list.value.title} aria-label={t.lists.renameLabel} autoFocus />
          <button class="primary" type="submit">{t.lists.save}</button>
        </form>
      )}
      <p class="pad">
        <button aria-expanded={editing.value} onClick={() => (editing.value = !editing.value)}>{t.lists.members}</button>{" "}
        <button aria-expanded={renaming.value} onClick={() => (renaming.value = !renaming.value)}>{t.lists.rename}</button>{" "}
        <button class="danger" onClick={() => void removeList()}>{t.lists.delete}</button>
      </p>
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

/** From a profile: each of my lists with a toggle putting the account in or out of it. */
export function ListMembership({ account, onClose }: { account: Account; onClose: () => void }) {
  const rows = useSignal<{ list: List; member: boolean }[] | null>(null);
  useEffect(() => {
    Promise.all([get<List[]>("/api/v1/lists"), get<List[]>(`/api/v1/accounts/${account.id}/lists`)]).then(
      ([all, containing]) => (rows.value = membership(all, containing)),
      (e) => { rows.value ??= []; failed(e); },
    );
  }, [account.id]);
  const toggle = async (list: List, member: boolean) => {
    try {
      await request(member ? "DELETE" : "POST", `/api/v1/lists/${list.id}/accounts`, { account_ids: [account.id] });
      rows.value = (rows.value ?? []).map((r) => (r.list.id === list.id ? { list, member: !member } : r));
      toast(member ? t.lists.removedFrom(account.acct, list.title) : t.lists.addedTo(account.acct, list.title));
    } catch (error) {
      failed(error);
    }
  };
  return (
    <div class="modal" role="dialog" aria-modal="true" aria-label={t.lists.manage(account.acct)} onClick={(e) => e.target === e.currentTarget && onClose()} onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <section class="sheet settings">
        <header><h2>{t.lists.manage(account.acct)}</h2><button type="button" class="icon" onClick={onClose} aria-label={t.lists.close} autoFocus><Icon name="close" /></button></header>
        {rows.value === null && <p class="muted loading">{t.feed.loading}</p>}
        {rows.value?.length === 0 && <p class="empty">{t.lists.none} <a href="/lists">{t.lists.title}</a></p>}
        <p class="muted">{t.lists.followFirst}</p>
        <ul class="list-membership">
          {rows.value?.map(({ list, member }) => (
            <li key={list.id} class="request">
              <span>{list.title}</span>
              <button class={member ? "" : "primary"} aria-pressed={member} onClick={() => void toggle(list, member)}>
                {member ? t.lists.removeFrom(list.title) : t.lists.addTo(list.title)}
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
