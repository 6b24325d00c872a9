"""Server-rendered HTML pages (the OAuth consent page). Every value is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from chirp.core.oauth import AuthorizationRequest

_STYLE = """
body{font-family:system-ui,sans-serif;background:#f4f6f8;color:#1b1f24;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;border-radius:12px;padding:2rem;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input[type=text],input[type=password]{width:100%;padding:.6rem;border:1px solid #c8ced6;
border-radius:8px;box-sizing:border-box;font-size:1rem}
ul{padding-left:1.2rem}.error{color:#b00020;font-weight:600}
.buttons{display:flex;gap:.6rem;margin-top:1.2rem}button{flex:1;padding:.7rem;border-radius:8px;
border:0;font-size:1rem;cursor:pointer}.allow{background:#1d9bf0;color:#fff}.deny{background:#e6e9ed}
code{display:block;word-break:break-all;background:#f0f2f5;padding:1rem;border-radius:8px;
font-size:1.05rem}
"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def consent_page(
    request: AuthorizationRequest, *, error: str | None = None, login: str = ""
) -> str:
    hidden = {
        "client_id": request.app.client_id,
        "redirect_uri": request.redirect_uri,
        "response_type": "code",
        "scope": " ".join(request.scopes),
        "state": request.state or "",
        "code_challenge": request.code_challenge or "",
        "code_challenge_method": request.code_challenge_method or "",
    }
    fields = "".join(
        f'<input type=hidden name="{escape(k)}" value="{escape(v)}">' for k, v in hidden.items()
    )
    scopes = "".join(f"<li>{escape(s)}</li>" for s in request.scopes)
    problem = f"<p class=error role=alert>{escape(error)}</p>" if error else ""
    body = (
        f"<h1>Authorize {escape(request.app.name)}</h1>"
        f"<p>This application asks for access to your Chirp account:</p><ul>{scopes}</ul>"
        f"{problem}<form method=post action=/oauth/authorize>{fields}"
        "<label for=login>Email or username</label>"
        f'<input type=text id=login name=login autocomplete=username required value="{escape(login)}">'
        "<label for=password>Password</label>"
        "<input type=password id=password name=password autocomplete=current-password required>"
        "<div class=buttons><button class=allow type=submit name=decision value=approve>Authorize"
        "</button><button class=deny type=submit name=decision value=deny formnovalidate>Deny"
        "</button></div></form>"
    )
    return _page(f"Authorize {request.app.name}", body)


def code_page(code: str) -> str:
    """Out-of-band redirect: show the code for the user to paste into the app."""
    body = (
        "<h1>Authorization code</h1><p>Copy this code and paste it into the application.</p>"
        f"<code id=code>{escape(code)}</code>"
    )
    return _page("Authorization code", body)


def error_page(title: str, message: str) -> str:
    return _page(title, f"<h1>{escape(title)}</h1><p class=error>{escape(message)}</p>")


def document_page(site: str, title: str, content_html: str, *, rules: Sequence[str] = ()) -> str:
    """An operator's text (about, privacy policy, terms): `content_html` is the operator's own
    HTML, rendered from their Markdown or file; everything else is escaped."""
    listed = "".join(f"<li>{escape(rule)}</li>" for rule in rules)
    body = (
        f"<style>main{{max-width:44rem}}</style><p><a href=/about>{escape(site)}</a></p>"
        f"<h1>{escape(title)}</h1>{content_html}"
        + (f"<h2>Rules</h2><ol>{listed}</ol>" if listed else "")
    )
    return _page(f"{title} - {site}", body)
