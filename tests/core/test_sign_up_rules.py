from __future__ import annotations

import pytest

from chirp.core.accounts import SignUp, check_sign_up
from chirp.core.errors import ValidationFailed


def _codes(form: SignUp) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        check_sign_up(form, password_min=8)
    details = caught.value.details or {}
    return {field: entries[0]["error"] for field, entries in details.items()}


def test_a_good_sign_up_passes() -> None:
    check_sign_up(SignUp("alice_b.c", "alice@example.com", "correct horse", True), password_min=8)


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("", "ERR_BLANK"),
        ("a" * 31, "ERR_TOO_LONG"),
        ("bad name", "ERR_INVALID"),
        ("-dash", "ERR_INVALID"),
        ("dot.", "ERR_INVALID"),
        ("émile", "ERR_INVALID"),
        ("<script>", "ERR_INVALID"),
        ("admin", "ERR_RESERVED"),
        ("Admin", "ERR_RESERVED"),
    ],
)
def test_handle_rules(username: str, code: str) -> None:
    assert _codes(SignUp(username, "x@example.com", "correct horse", True))["username"] == code


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("", "ERR_BLANK"),
        ("short", "ERR_TOO_SHORT"),
        ("x" * 257, "ERR_TOO_LONG"),
        ("password123", "ERR_INVALID"),
    ],
)
def test_password_policy(password: str, code: str) -> None:
    assert _codes(SignUp("alice", "alice@example.com", password, True))["password"] == code


def test_password_may_not_be_the_handle_or_email() -> None:
    assert (
        _codes(SignUp("alicealice", "a@example.com", "AliceAlice", True))["password"]
        == "ERR_INVALID"
    )


@pytest.mark.parametrize(
    "email", ["", "no-at-sign", "a@b", "a b@example.com", "x@" + "e" * 260 + ".com"]
)
def test_email_rules(email: str) -> None:
    assert "email" in _codes(SignUp("alice", email, "correct horse", True))


def test_agreement_is_required_and_all_problems_are_reported_together() -> None:
    codes = _codes(SignUp("", "bad", "short", False))
    assert codes == {
        "username": "ERR_BLANK",
        "email": "ERR_INVALID",
        "password": "ERR_TOO_SHORT",
        "agreement": "ERR_ACCEPTED",
    }
