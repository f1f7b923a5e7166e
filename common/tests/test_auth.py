import base64
import datetime
import json
import time

import jwt
import pytest

from common import auth
from common.errors import Unauthorized

SECRET = "test-token-secret-0123456789abcdefghijklmnop"


def verify(token, **options):
    return auth.TokenVerifier(SECRET, **options).verify(token)


def forge(claims, secret=SECRET, algorithm="HS256", **kwargs):
    base = {"iss": "jiangxin", "sub": "u1", "role": "judge", "iat": int(time.time()),
            "exp": int(time.time()) + 600, "jti": "j1"}
    base.update(claims)
    base = {key: value for key, value in base.items() if value is not ...}
    return jwt.encode(base, secret, algorithm=algorithm, **kwargs)


def test_round_trip():
    token = auth.issue_token(SECRET, "user-7", auth.ORGANIZER, unit="unit-3", name="李四")
    principal = verify(token)
    assert principal == auth.Principal("user-7", "organizer", unit="unit-3", name="李四")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert set(claims) >= {"sub", "role", "unit", "studio", "name", "iss", "iat", "exp", "jti"}
    assert claims["exp"] - claims["iat"] == 8 * 3600


def test_each_token_has_its_own_id():
    first = jwt.decode(auth.issue_token(SECRET, "u", auth.JUDGE), SECRET, algorithms=["HS256"])
    second = jwt.decode(auth.issue_token(SECRET, "u", auth.JUDGE), SECRET, algorithms=["HS256"])
    assert first["jti"] != second["jti"]


def test_expired_token_is_refused_after_leeway():
    now = datetime.datetime.now(datetime.timezone.utc)
    token = auth.issue_token(SECRET, "u", auth.JUDGE, ttl_seconds=60,
                             now=now - datetime.timedelta(seconds=80))
    assert verify(token).subject == "u"  # 20 s past expiry: within the 30 s leeway
    with pytest.raises(Unauthorized, match="expired"):
        verify(token, leeway=0)
    old = auth.issue_token(SECRET, "u", auth.JUDGE, ttl_seconds=60, now=time.time() - 120)
    with pytest.raises(Unauthorized, match="expired"):
        verify(old)


@pytest.mark.parametrize("token", [
    forge({}, secret="another-secret-0123456789abcdefghijklmnop"),
    forge({"iss": "someone-else"}),
    forge({"role": "emperor"}),
    forge({"sub": ...}),
    forge({"role": ...}),
    forge({"exp": ...}),
    forge({"jti": ...}),
    forge({"sub": ""}),
    forge({"sub": 42}),
    forge({"unit": ["a"]}),
    forge({"role": "organizer"}),  # an organiser without a unit
    forge({"role": "studio_lead"}),  # a studio lead without a studio
    forge({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 7200}),
    forge({}, secret=SECRET.encode() * 2, algorithm="HS512"),
    "",
    "garbage",
    "a.b.c",
    "x" * 10000,
])
def test_bad_tokens_are_refused(token):
    with pytest.raises(Unauthorized):
        verify(token)


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_alg_none_is_refused():
    claims = {"iss": "jiangxin", "sub": "u1", "role": "admin", "iat": int(time.time()),
              "exp": int(time.time()) + 600, "jti": "j"}
    for alg in ("none", "None", "NONE"):
        token = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(claims)}."
        with pytest.raises(Unauthorized):
            verify(token)


def test_asymmetric_algorithms_are_refused():
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    token = forge({}, secret=key, algorithm="ES256")
    with pytest.raises(Unauthorized, match="algorithm"):
        verify(token)


def test_key_resolver_is_pluggable():
    class OneKey:
        def key_for(self, header):
            assert header["kid"] == "k1"
            return SECRET.encode(), "HS256"

    token = forge({}, headers={"kid": "k1"})
    principal = auth.TokenVerifier(key_resolver=OneKey()).verify(token)
    assert principal.subject == "u1"


@pytest.mark.parametrize("secret", ["short", "x" * 31, b"y" * 31, None])
def test_short_secrets_are_refused(secret):
    with pytest.raises(ValueError):
        auth.issue_token(secret, "u", auth.JUDGE)
    with pytest.raises(ValueError):
        auth.TokenVerifier(secret)


def test_issue_refuses_bad_claims():
    with pytest.raises(ValueError):
        auth.issue_token(SECRET, "u", "emperor")
    with pytest.raises(ValueError):
        auth.issue_token(SECRET, "", auth.JUDGE)
    with pytest.raises(ValueError):
        auth.issue_token(SECRET, "u", auth.SUPERVISOR)
    with pytest.raises(ValueError):
        auth.issue_token(SECRET, "u", auth.STUDIO_LEAD)
    with pytest.raises(ValueError):
        auth.issue_token(SECRET, "u", auth.JUDGE, ttl_seconds=0)


def test_principal_scopes():
    admin = auth.Principal("a", auth.ADMIN)
    organiser = auth.Principal("o", auth.ORGANIZER, unit="u1")
    lead = auth.Principal("l", auth.STUDIO_LEAD, studio="s1")
    assert admin.is_admin and not organiser.is_admin
    assert admin.belongs_to_unit("anything") and admin.belongs_to_studio("anything")
    assert organiser.belongs_to_unit("u1")
    assert not organiser.belongs_to_unit("u2")
    assert not organiser.belongs_to_unit(None)
    assert not lead.belongs_to_unit(None)
    assert lead.belongs_to_studio("s1") and not lead.belongs_to_studio("s2")
    assert organiser.has_role(auth.ORGANIZER, auth.ADMIN)
    with pytest.raises(Exception):
        organiser.role = auth.ADMIN  # frozen


def test_roles():
    assert set(auth.ALL_ROLES) == {
        "admin", "organizer", "judge", "chief_judge", "supervisor", "studio_lead", "reviewer",
        "subscriber"}


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Token abc", "Basic abc"])
def test_bearer_header_parsing_refuses(header):
    with pytest.raises(Unauthorized):
        auth.bearer_token(header)


def test_bearer_header_parsing():
    assert auth.bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    assert auth.bearer_token("bearer  abc") == "abc"


def test_cli_prints_a_verifiable_token(tmp_path, capsys, monkeypatch):
    import argparse

    from cli import token as token_cli

    monkeypatch.delenv("TOKEN_SECRET", raising=False)
    config = tmp_path / "config.yaml"
    config.write_text(f"TOKEN_SECRET: ${{TOKEN_SECRET:{SECRET}}}\n", encoding="utf-8")
    parser = argparse.ArgumentParser()
    token_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args([
        "token", "--role", "organizer", "--subject", "u5", "--unit", "unit-1",
        "--name", "王五", "--ttl-hours", "1", "--config", str(config)])
    assert args.func(args) in (None, 0)
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1
    principal = verify(printed.strip())
    assert principal == auth.Principal("u5", "organizer", unit="unit-1", name="王五")

    with pytest.raises(SystemExit):
        parser.parse_args(["token", "--role", "emperor", "--subject", "u"])
    bad = parser.parse_args(["token", "--role", "organizer", "--subject", "u5",
                             "--config", str(config)])
    with pytest.raises(SystemExit, match="unit"):
        bad.func(bad)


def test_a_token_verified_once_is_remembered_until_it_expires():
    now = [time.time()]
    verifier = auth.TokenVerifier(SECRET, clock=lambda: now[0], remembered=2)
    token = auth.issue_token(SECRET, "judge-1", auth.JUDGE, ttl_seconds=60)

    first = verifier.verify(token)
    assert verifier.verify(token) is first  # not decoded again
    now[0] += 60 + verifier.leeway + 1
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_remembered_tokens_are_bounded_and_a_forged_one_is_never_remembered():
    verifier = auth.TokenVerifier(SECRET, remembered=2)
    tokens = [auth.issue_token(SECRET, f"judge-{n}", auth.JUDGE) for n in range(3)]
    for token in tokens:
        verifier.verify(token)
    assert list(verifier._verified) == tokens[1:]
    forged = auth.issue_token("another-secret-0123456789abcdefghijklmnop", "judge-9", auth.JUDGE)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            verifier.verify(forged)
    assert forged not in verifier._verified
