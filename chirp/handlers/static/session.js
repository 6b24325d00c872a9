// Shared by Chirp's live pages (watch, studio): the viewer's access token and API calls with it.
// The token is passed as `#access_token=…` (a fragment never reaches servers or logs), kept in
// sessionStorage for this tab, and removed from the address bar so it is not shared by copy.
window.chirpSession = (() => {
  "use strict";

  const TOKEN_KEY = "chirp.live.access_token";

  function takeToken() {
    const given = new URLSearchParams(location.hash.slice(1)).get("access_token");
    if (given) {
      try { sessionStorage.setItem(TOKEN_KEY, given); } catch (e) { /* private mode */ }
      history.replaceState(null, "", location.pathname + location.search);
      return given;
    }
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }
  const token = takeToken();
  // A token pasted into the address bar of an open page: start over signed in.
  window.addEventListener("hashchange", () => {
    if (new URLSearchParams(location.hash.slice(1)).get("access_token")) location.reload();
  });

  // JSON in and out; a failed call throws an Error with the API's message and `status`.
  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = { method, headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try { data = await response.json(); } catch (e) { /* empty body */ }
    if (!response.ok) {
      const error = new Error((data && data.error) || `HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function forget() {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* private mode */ }
  }

  return { token, call, forget };
})();
