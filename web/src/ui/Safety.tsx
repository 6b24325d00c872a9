import { signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { get, post } from "../api";
import { t } from "../i18n";
import { failed, hideAccount, toast } from "../store";
import type { Account, Relationship } from "../types";
import { AccountRow } from "./Status";
import { Icon } from "./icons";

// Blocks, mutes and reports (Mastodon's endpoints): from a profile, from a tweet's menu, and the
// two lists in the settings to undo them.

export async function setBlock(account: Account, on: boolean): Promise<Relationship | null> {
  try {
    const rel = await post<Relationship>(`/api/v1/accounts/${account.id}/${on ? "block" : "unblock"}`);
    if (on) hideAccount(account.id);
    toast(on ? t.safety.blocked(account.acct) : t.safety.unblocked(account.acct));
    return rel;
  } catch (error) {
    failed(error);
    return null;
  }
}

export async function setMute(account: Account, on: boolean): Promise<Relationship | null> {
  try {
    const rel = await post<Relationship>(`/api/v1/accounts/${account.id}/${on ? "mute" : "unmute"}`);
    if (on) hideAccount(account.id);
    toast(on ? t.safety.muted(account.acct) : t.safety.unmuted(account.acct));
    return rel;
  } catch (error) {
    failed(error);
    return null;
  }
}

const reporting = signal<{ account: Account; statusId?: string } | null>(null);
export const openReport = (account: Account, statusId?: string) => (reporting.value = { account, statusId });

export function ReportDialog() {
  const target = reporting.value;
  const busy = useSignal(false);
  if (!target) return null;
  const close = () => (reporting.value = null);
  const send = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    busy.value = true;
    try {
      await post("/api/v1/reports", {
        account_id: target.account.id,
        status_ids: target.statusId ? [target.statusId] : [],
        comment: String(form.get("comment") ?? ""),
        category: String(form.get("category") ?? "other"),
      });
      toast(t.safety.reported);
      close();
    } catch (error) {
      failed(error);
    } finally {
      busy.value = false;
    }
  };
  return (
    <div class="modal" role="dialog" aria-modal="true" aria-label={t.safety.reportTitle(target.account.acct)} onClick={(e) => e.target === e.currentTarget && close()} onKeyDown={(e) => e.key === "Escape" && close()}>
      <form class="sheet settings" onSubmit={send}>
        <header><h2>{t.safety.reportTitle(target.account.acct)}</h2><button type="button" class="icon" onClick={close} aria-label={t.compose.close}><Icon name="close" /></button></header>
        <label>{t.safety.category}
          <select name="category">
            <option value="spam">{t.safety.spam}</option>
            <option value="violation">{t.safety.violation}</option>
            <option value="other">{t.safety.other}</option>
          </select>
        </label>
        <label>{t.safety.comment}<textarea name="comment" rows={3} maxLength={1000} autoFocus /></label>
        <button class="primary" type="submit" disabled={busy.value}>{t.safety.send}</button>
      </form>
    </div>
  );
}

/** The accounts you block or mute, each with its undo. */
export function ShunnedList({ kind }: { kind: "blocks" | "mutes" }) {
  const people = useSignal<Account[] | null>(null);
  useEffect(() => {
    get<Account[]>(`/api/v1/${kind}?limit=80`).then((x) => (people.value = x), (e) => { people.value = []; failed(e); });
  }, [kind]);
  const undo = async (a: Account) => {
    const rel = kind === "blocks" ? await setBlock(a, false) : await setMute(a, false);
    if (rel) people.value = (people.value ?? []).filter((p) => p.id !== a.id);
  };
  const title = kind === "blocks" ? t.safety.blockedTitle : t.safety.mutedTitle;
  useEffect(() => void (document.title = `${title} · ${t.appName}`), [title]);
  return (
    <>
      <h1 class="page-title">{title}</h1>
      {people.value?.length === 0 && <p class="empty">{t.safety.none}</p>}
      {people.value?.map((a) => (
        <div class="request" key={a.id}>
          <AccountRow account={a} />
          <div class="pad"><button onClick={() => void undo(a)}>{kind === "blocks" ? t.safety.unblock : t.safety.unmute}</button></div>
        </div>
      ))}
    </>
  );
}
