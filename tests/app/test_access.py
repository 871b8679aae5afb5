"""Access: every route declares its role, refuses callers below it and lets its own role in;
keys are stored hashed and can be revoked; pages log in with a session cookie; a key of one KB
never reads another KB served by the same server."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from kotae.app.api import create_app
from kotae.app.api.auth import LOGIN_COOKIE, Role, declared_role
from kotae.app.settings import Settings
from kotae.kb.keys import KeyStore
from kotae.knowledge_base import open_kb

BELOW = {Role.PUBLIC: [], Role.AGENT: [Role.PUBLIC], Role.EDITOR: [Role.PUBLIC, Role.AGENT],
         Role.ADMIN: [Role.PUBLIC, Role.AGENT, Role.EDITOR]}


@pytest.fixture(scope="module")
def keys(sample_settings) -> dict[Role, str]:
    """One stored key per role in the shared sample KB (plus none for public)."""
    store = KeyStore(open_kb(sample_settings).store)
    made = {role: store.create(role.value, f"access test {role.value}").secret
            for role in (Role.AGENT, Role.EDITOR, Role.ADMIN)}
    return made


@pytest.fixture(scope="module")
def app(sample_settings, sample_searcher):
    settings = sample_settings.model_copy(update={"secure_cookies": False})
    return create_app(settings, searcher=sample_searcher)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def headers(keys: dict[Role, str], role: Role) -> dict[str, str]:
    return {} if role is Role.PUBLIC else {"Authorization": f"Bearer {keys[role]}"}


def example_path(path: str, parameters: list[dict]) -> str:
    """The path with each path parameter replaced by a value its pattern accepts."""
    for p in parameters:
        if p["in"] != "path":
            continue
        pattern = p.get("schema", {}).get("pattern", "")
        value = "0" * 32 if "32" in pattern else "0" * 16 if "16" in pattern else \
            "0" * 12 if "12" in pattern else "x"
        path = path.replace("{" + p["name"] + "}", value)
    return path


def operations(app) -> list[tuple[str, str, Role, str]]:
    out = []
    for path, ops in app.openapi()["paths"].items():
        for method, op in ops.items():
            out.append((method.upper(), path, Role(op["x-kotae-role"]),
                        example_path(path, op.get("parameters", []))))
    return out


def test_every_route_declares_its_role(app):
    undeclared = [r.path for r in app.routes
                  if isinstance(r, APIRoute) and declared_role(r) is None]
    assert not undeclared, f"routes without allow(Role.…): {undeclared}"
    spec = app.openapi()
    assert all("x-kotae-role" in op for ops in spec["paths"].values() for op in ops.values())
    roles = {op["x-kotae-role"] for ops in spec["paths"].values() for op in ops.values()}
    assert roles == {"public", "agent", "editor", "admin"}


def test_each_route_refuses_lower_roles_and_accepts_its_own(client, app, keys):
    ops = operations(app)
    assert len(ops) >= 25
    for method, path, role, url in ops:
        for lower in BELOW[role]:
            got = client.request(method, url, headers=headers(keys, lower))
            expected = 401 if lower is Role.PUBLIC else 403
            assert got.status_code == expected, (method, path, lower, got.status_code, got.text)
            if expected == 401:
                assert got.headers.get("www-authenticate") == "Bearer"
        # Its own role is let in: whatever else it says (404, 422...), it is not 401/403.
        got = client.request(method, url, headers=headers(keys, role))
        assert got.status_code not in (401, 403), (method, path, role, got.text)
        assert got.status_code < 500, (method, path, role, got.text)


def test_unknown_and_malformed_keys_are_401(client):
    for value in ("Bearer nope", "Bearer kt_" + "a" * 43, "Basic dXNlcjpwYXNz", "Bearer "):
        got = client.get("/v1/search", params={"q": "請求書"}, headers={"Authorization": value})
        assert got.status_code == 401, value


def test_keys_are_stored_hashed_and_revocation_takes_effect(client, sample_settings, keys,
                                                             file_bytes):
    db = Path(sample_settings.home) / "kotae.db"
    raw = b"".join(file_bytes(p) for p in db.parent.glob("kotae.db*"))
    for secret in keys.values():
        assert secret.encode() not in raw
    with sqlite3.connect(db) as con:
        digests = {d for (d,) in con.execute("select digest from api_keys")}
    assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d in digests)

    store = KeyStore(open_kb(sample_settings).store)
    made = store.create("agent", "to be revoked")
    auth = {"Authorization": f"Bearer {made.secret}"}
    q = {"q": "エスカレーション基準", "kind": "ticket"}
    assert client.get("/v1/search", params=q, headers=auth).status_code == 200
    login = client.post("/v1/session", json={"key": made.secret})
    assert login.status_code == 200 and login.json()["role"] == "agent"
    assert client.get("/v1/session").json()["via"] == "session"
    store.revoke(made.key.id)
    assert client.get("/v1/search", params=q, headers=auth).status_code == 401
    assert client.get("/v1/session").json()["role"] == "public"  # the session ended with it
    assert client.get("/v1/search", params=q).status_code == 401
    client.cookies.clear()


def test_admin_manages_keys_over_http(client, keys):
    admin = headers(keys, Role.ADMIN)
    made = client.post("/v1/admin/keys", json={"role": "editor", "name": "SV 田中"},
                       headers=admin)
    assert made.status_code == 201
    body = made.json()
    assert body["key"].startswith(body["prefix"]) and body["role"] == "editor"
    listed = client.get("/v1/admin/keys", headers=admin).json()
    mine = next(k for k in listed if k["id"] == body["id"])
    assert "key" not in mine and mine["revoked_at"] is None
    editor = {"Authorization": f"Bearer {body['key']}"}
    assert client.get("/v1/gaps/export.md", headers=editor).status_code == 200
    assert client.get("/v1/admin/keys", headers=editor).status_code == 403
    assert client.delete(f"/v1/admin/keys/{body['id']}", headers=admin).json()["revoked_at"]
    assert client.get("/v1/gaps/export.md", headers=editor).status_code == 401
    bad = client.post("/v1/admin/keys", json={"role": "public", "name": "x"}, headers=admin)
    assert bad.status_code == 422


def test_session_cookie_flags_and_csrf_header(sample_settings, sample_searcher, keys):
    with TestClient(create_app(sample_settings, searcher=sample_searcher)) as secure:
        got = secure.post("/v1/session", json={"key": keys[Role.AGENT]})
    cookie = got.headers["set-cookie"]
    assert cookie.startswith(LOGIN_COOKIE + "=")
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower(), cookie
    assert keys[Role.AGENT] not in cookie

    app = create_app(sample_settings.model_copy(update={"secure_cookies": False}),
                     searcher=sample_searcher)
    with TestClient(app) as c:
        assert c.post("/v1/session", json={"key": "kt_wrong"}).status_code == 401
        assert c.post("/v1/session", json={"key": keys[Role.AGENT]}).status_code == 200
        ticket = {"subject": "請求書のロゴ", "body": "請求書にロゴを入れるには？"}
        refused = c.post("/v1/suggest", json=ticket)  # cookie only: a cross-site form could
        assert refused.status_code == 403 and "x-requested-with" in refused.json()["detail"]
        ok = c.post("/v1/suggest", json=ticket, headers={"X-Requested-With": "kotae"})
        assert ok.status_code == 200
        cookie_value = c.cookies.get(LOGIN_COOKIE)
        # The signature is hex: a different last pair (one in 256 signatures ends in "00").
        tampered = cookie_value[:-2] + ("11" if cookie_value.endswith("00") else "00")
        c.cookies.clear()
        c.cookies.set(LOGIN_COOKIE, tampered)
        assert c.get("/v1/session").json()["role"] == "public"
        assert c.delete("/v1/session", headers={"X-Requested-With": "kotae"}).status_code == 200


# ---------------------------------------------------------------- several KBs in one server

OTHER_KB = {
    "guide.md": "---\ntitle: 勤怠アプリの打刻修正\nvisibility: public\n---\n"
                "# 勤怠アプリの打刻修正\n\n"
                "打刻を忘れたときは、勤怠アプリの「申請」から打刻修正を申請してください。"
                "上長が承認すると反映されます。\n",
    "internal.md": "---\ntitle: 打刻修正の承認手順（社内）\nvisibility: internal\n---\n"
                   "# 打刻修正の承認手順（社内）\n\n人事部は月末に未承認の打刻修正を一覧で確認し、"
                   "上長へ督促します。\n",
}


@pytest.fixture(scope="module")
def two_kbs(tmp_path_factory, sample_settings, sample_searcher, embedder, keys):
    src = tmp_path_factory.mktemp("hr-src")
    for name, text in OTHER_KB.items():
        (src / name).write_text(text, encoding="utf-8")
    other = Settings(home=tmp_path_factory.mktemp("hr-kb"), secure_cookies=False)
    assert not open_kb(other, embedder=embedder).ingest([src]).report.problems
    other_agent = KeyStore(open_kb(other).store).create("agent", "HR desk").secret
    primary = sample_settings.model_copy(update={"secure_cookies": False})
    app = create_app(primary, searcher=sample_searcher, mounts={"hr": other})
    with TestClient(app) as c:
        yield c, app, keys[Role.AGENT], other_agent


def test_a_key_of_one_kb_never_reads_another(two_kbs):
    client, app, primary_agent, other_agent = two_kbs
    assert any(isinstance(r, Mount) and r.path == "/kb/hr" for r in app.routes)
    internal = {"q": "打刻修正の承認手順", "visibility": "internal"}
    own = client.get("/kb/hr/v1/search", params=internal,
                     headers={"Authorization": f"Bearer {other_agent}"})
    assert own.status_code == 200 and own.json()["hits"][0]["title"].startswith("打刻修正の承認")
    # The sample KB's agent key is unknown to the HR KB, and the reverse.
    assert client.get("/kb/hr/v1/search", params=internal,
                      headers={"Authorization": f"Bearer {primary_agent}"}).status_code == 401
    assert client.get("/v1/search", params={"q": "請求書", "kind": "ticket"},
                      headers={"Authorization": f"Bearer {other_agent}"}).status_code == 401
    # Public callers of each KB only see that KB's public articles.
    hr_hits = client.get("/kb/hr/v1/search", params={"q": "請求書 PDF", "k": 20}).json()["hits"]
    assert {h["title"] for h in hr_hits} <= {"勤怠アプリの打刻修正"}
    main_hits = client.get("/v1/search", params={"q": "打刻修正", "k": 20}).json()["hits"]
    assert all("打刻" not in h["title"] for h in main_hits)
    # A session of the HR KB is scoped to its path and signed with its own secret.
    login = client.post("/kb/hr/v1/session", json={"key": other_agent})
    assert "path=/kb/hr/" in login.headers["set-cookie"].lower()
    assert client.get("/kb/hr/v1/session").json()["role"] == "agent"
    assert client.get("/v1/session").json()["role"] == "public"
    stolen = login.cookies[LOGIN_COOKIE]
    client.cookies.clear()
    client.cookies.set(LOGIN_COOKIE, stolen)  # sent to the other KB's paths all the same
    assert client.get("/v1/session").json()["role"] == "public"
    client.cookies.clear()


def test_each_kb_serves_its_own_pages_under_its_prefix(two_kbs):
    client, *_ = two_kbs
    page = client.get("/kb/hr/help", params={"q": "打刻を忘れた"})
    assert page.status_code == 200
    assert 'href="/kb/hr/static/help.css"' in page.text and 'data-root="/kb/hr"' in page.text
    link = re.search(r'class="result-link" href="([^"]+)"', page.text).group(1)
    assert link.startswith("/kb/hr/help/articles/")
    assert "打刻修正" in client.get(link.replace("&amp;", "&")).text
    assert client.get("/kb/hr/healthz").json()["documents"] == 2
    assert client.get("/kb/hr/static/session.js").status_code in (200, 404)
    assert client.get("/kb/hr/agent").status_code == 200


def test_keys_command_prints_a_key_once_and_revokes_it(tmp_path):
    from typer.testing import CliRunner

    from kotae.app.cli import app as cli

    runner = CliRunner()
    made = runner.invoke(cli, ["keys", "create", "--role", "editor", "--name", "SV 佐藤",
                               "--kb", str(tmp_path)])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("kt_")
    store = KeyStore(open_kb(Settings(home=tmp_path)).store)
    [key] = store.list()
    assert (key.role, key.name) == ("editor", "SV 佐藤") and store.verify(secret) == key
    listed = runner.invoke(cli, ["keys", "list", "--kb", str(tmp_path)], env={"COLUMNS": "200"})
    assert key.id in listed.stdout and secret not in listed.stdout
    bad = runner.invoke(cli, ["keys", "create", "--role", "root", "--name", "x",
                              "--kb", str(tmp_path)])
    assert bad.exit_code == 2 and "unknown key role" in bad.output
    gone = runner.invoke(cli, ["keys", "revoke", key.id, "--kb", str(tmp_path)])
    assert gone.exit_code == 0 and store.verify(secret) is None
    assert runner.invoke(cli, ["keys", "revoke", "0" * 16, "--kb", str(tmp_path)]).exit_code == 1
    assert "no keys" in runner.invoke(cli, ["keys", "list", "--kb", str(tmp_path)]).stdout
    assert key.id in runner.invoke(cli, ["keys", "list", "--all", "--kb", str(tmp_path)],
                                   env={"COLUMNS": "200"}).stdout


def test_serve_refuses_a_bad_mount():
    from typer.testing import CliRunner

    from kotae.app.cli import app as cli

    got = CliRunner().invoke(cli, ["serve", "--mount", "Bad Name=/tmp/x"])
    assert got.exit_code == 2 and "--mount" in got.output
