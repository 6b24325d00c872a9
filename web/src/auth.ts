import { request, token } from "./api";
import type { Token } from "./types";

// The app is an OAuth client like any other: it registers itself once per browser (cached),
// signs in through the server's consent page with the authorization code flow and PKCE, and
// revokes its token on sign-out.

export const SCOPES = "read write follow push";
const CLIENT_KEY = "chirp.client";
const PENDING_KEY = "chirp.oauth";
export const HINT_COOKIE = "chirp_app";

interface Client { client_id: string; client_secret: string; redirect_uri: string }

const redirectUri = () => `${location.origin}/oauth-callback`;

export async function client(): Promise<Client> {
  const cached = localStorage.getItem(CLIENT_KEY);
  if (cached) {
    const parsed = JSON.parse(cached) as Client;
    if (parsed.redirect_uri === redirectUri()) return parsed;
  }
  const form = new URLSearchParams({ client_name: "Chirp Web", redirect_uris: redirectUri(), scopes: SCOPES, website: location.origin });
  const { data } = await request<Client>("POST", "/api/v1/apps", form, null);
  const registered = { client_id: data.client_id, client_secret: data.client_secret, redirect_uri: redirectUri() };
  localStorage.setItem(CLIENT_KEY, JSON.stringify(registered));
  return registered;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Sends the browser to the consent page; it comes back to /oauth-callback with a code. */
export async function startLogin(then = "/home"): Promise<void> {
  const app = await client();
  const verifier = randomString();
  const state = randomString();
  const params = new URLSearchParams({ response_type: "code", client_id: app.client_id, redirect_uri: app.redirect_uri, scope: SCOPES, state });
  if (crypto.subtle) {
    // S256 needs a secure context (https or localhost); elsewhere the client secret alone binds the code.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    params.set("code_challenge", base64url(digest));
    params.set("code_challenge_method", "S256");
  }
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier: crypto.subtle ? verifier : null, state, then }));
  location.assign(`/oauth/authorize?${params}`);
}

/** The consent page's answer: exchange the code for a token. Returns where to go next. */
export async function finishLogin(query: URLSearchParams): Promise<string> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as { verifier: string | null; state: string; then: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (query.get("error")) throw new Error(query.get("error_description") ?? query.get("error") ?? "denied");
  if (!pending || pending.state !== query.get("state")) throw new Error("state");
  const app = await client();
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code: query.get("code") ?? "",
    client_id: app.client_id,
    client_secret: app.client_secret,
    redirect_uri: app.redirect_uri,
  });
  if (pending.verifier) form.set("code_verifier", pending.verifier);
  const { data } = await request<Token>("POST", "/oauth/token", form, null);
  keep(data.access_token);
  return pending.then.startsWith("/") ? pending.then : "/home";
}

/** Creates an account with an app token, and signs in with the token it answers. */
export async function signUp(username: string, email: string, password: string): Promise<void> {
  const app = await client();
  const grant = new URLSearchParams({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: SCOPES });
  const { data: appToken } = await request<Token>("POST", "/oauth/token", grant, null);
  const form = new URLSearchParams({ username, email, password, agreement: "true", locale: navigator.language.split("-")[0] || "en" });
  const { data } = await request<Token>("POST", "/api/v1/accounts", form, appToken.access_token);
  keep(data.access_token);
}

export function keep(accessToken: string): void {
  localStorage.setItem("chirp.token", accessToken);
  // Only a hint for the server to answer `/` and `/@user` with the app, never a credential.
  document.cookie = `${HINT_COOKIE}=1; path=/; max-age=31536000; SameSite=Lax`;
  token.value = accessToken;
}

export function forget(): void {
  localStorage.removeItem("chirp.token");
  localStorage.removeItem("chirp.me");
  document.cookie = `${HINT_COOKIE}=; path=/; max-age=0; SameSite=Lax`;
  token.value = null;
}

export async function logOut(): Promise<void> {
  const current = token.value;
  try {
    if (current) {
      const app = await client();
      await request("POST", "/oauth/revoke", new URLSearchParams({ client_id: app.client_id, client_secret: app.client_secret, token: current }), null);
    }
  } finally {
    forget();
  }
}
