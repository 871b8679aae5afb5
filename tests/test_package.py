"""kotae installs as one package, ``kotae``, the same on every machine.

- the wheel's packages are exactly the repository's folders that hold an ``__init__.py``;
- no module imports a bare top-level name (``import kb``): only ``kotae.kb`` exists once
  installed;
- the built wheel, installed (not editable) into a fresh venv from the lock, gives a working
  ``kotae`` command, and ``app``, ``eval`` or ``models`` are not importable from that venv.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("kb", "ingest", "models", "retrieval", "suggest", "eval", "app")
BARE = re.compile(rf"^\s*(?:from|import)\s+({'|'.join(FOLDERS)})(?:\.|\s|$)", re.MULTILINE)


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_wheel_lists_every_package_folder():
    on_disk = {"kotae"} | {
        "kotae." + ".".join(init.parent.relative_to(REPO).parts)
        for folder in FOLDERS for init in (REPO / folder).rglob("__init__.py")}
    assert set(_pyproject()["tool"]["setuptools"]["packages"]) == on_disk


def test_no_module_imports_a_bare_top_level_name():
    sources = [p for folder in (*FOLDERS, "tests", "bench") for p in (REPO / folder).rglob("*.py")]
    offenders = [f"{p.relative_to(REPO)}: {m.group(0).strip()}" for p in sources
                 for m in BARE.finditer(p.read_text(encoding="utf-8"))]
    assert not offenders


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out),
                    str(REPO)], check=True, capture_output=True, timeout=600)
    [built] = out.glob("kotae-*.whl")
    return built


def test_the_wheel_holds_kotae_and_nothing_else(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"kotae", wheel.name.split("-py3")[0] + ".dist-info"}
    for data in ("kotae/kb/sample_kb/faq.csv", "kotae/app/pages/static/help.js",
                 "kotae/app/pages/templates/help.html",
                 "kotae/suggest/deflection/blocked_words.txt",
                 "kotae/suggest/replies/escalation_rules.yaml"):
        assert data in names


@pytest.mark.slow
def test_the_wheel_in_a_fresh_venv_runs_kotae_and_installs_no_other_name(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python, kotae = venv / "bin" / "python", venv / "bin" / "kotae"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-c",
                    str(REPO / "constraints.txt"), str(wheel)], check=True, timeout=1800,
                   cwd=tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=tmp_path)

    assert run(str(kotae), "--help").returncode == 0
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "password.md").write_text("# パスワードを再設定する\n\nログイン画面の「パスワードを"
                                      "お忘れの方」から再設定できます。\n", encoding="utf-8")
    (docs / "invoice.md").write_text("# 請求書を送る\n\n請求書の画面で「送信」を押します。\n",
                                     encoding="utf-8")
    ingest = run(str(kotae), "ingest", str(docs), "--kb", str(tmp_path / "my-kb"))
    assert ingest.returncode == 0, ingest.stderr
    search = run(str(kotae), "search", "パスワードを忘れた", "--kb", str(tmp_path / "my-kb"))
    assert search.returncode == 0 and "パスワードを再設定する" in search.stdout, search.stderr
    for name in ("app", "eval", "models", "kb", "retrieval", "suggest", "ingest"):
        probe = run(str(python), "-c", f"import {name}")
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, name
    assert run(str(python), "-c", "import kotae.app.cli, kotae.kb").returncode == 0
