import { render } from "preact";
import { token, whenSignedOut } from "./api";
import { forget, HINT_COOKIE } from "./auth";
import { App } from "./ui/App";
import { openCompose } from "./ui/compose-state";
import "./style.css";

whenSignedOut(() => forget()); // a revoked or expired token: back to the sign-in screen
if (!token.value && document.cookie.includes(`${HINT_COOKIE}=1`)) {
  // A hint cookie without a token (storage cleared): the public page is the right answer.
  forget();
  if (/^\/(@|tags\/|$)/.test(location.pathname)) location.reload();
}
if (location.pathname === "/compose") {
  history.replaceState(null, "", "/home");
  openCompose();
}
render(<App />, document.getElementById("app")!);
