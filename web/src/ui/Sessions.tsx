import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { get, request } from "../api";
import { logOut } from "../auth";
import { t } from "../i18n";
import { orderSessions, type Session } from "../manage";
import { failed, toast } from "../store";
import { Title } from "./home";

// Settings → Sessions: every app signed in to this account (Chirp's `/api/v1/chirp/sessions`),
// each with "sign out"; signing out this browser's own session is logging out.

export function Sessions() {
  const sessions = useSignal<Session[] | null>(null);
  useEffect(() => {
    get<Session[]>("/api/v1/chirp/sessions").then((x) => (sessions.value = orderSessions(x)), (e) => { sessions.value ??= []; failed(e); });
  }, []);
  const signOut = async (s: Session) => {
    if (s.current) {
      await logOut();
      location.assign("/");
      return;
    }
    try {
      await request("DELETE", `/api/v1/chirp/sessions/${s.id}`);
      sessions.value = (sessions.value ?? []).filter((x) => x.id !== s.id);
      toast(t.sessions.signedOut(s.app?.name ?? t.sessions.unknownApp));
    } catch (error) {
      failed(error);
    }
  };
  return (
    <>
      <Title text={t.sessions.title} />
      <p class="pad muted">{t.sessions.intro}</p>
      {sessions.value === null && <p class="muted loading">{t.feed.loading}</p>}
      <ul class="sessions">
        {sessions.value?.map((s) => {
          const name = s.app?.name ?? t.sessions.unknownApp;
          return (
            <li class="request" key={s.id}>
              <div>
                <b>{name}</b> {s.current && <span class="badge">{t.sessions.thisBrowser}</span>}
                <p class="muted">{t.sessions.since(new Date(s.created_at).toLocaleString())} · {s.scopes.join(" ")}</p>
                {s.app?.website && <p class="muted">{s.app.website}</p>}
              </div>
              <button class="danger" aria-label={t.sessions.signOutOf(name)} onClick={() => void signOut(s)}>{t.sessions.signOut}</button>
            </li>
          );
        })}
      </ul>
    </>
  );
}
