"""Schemathesis against the live OpenAPI spec of a real `kotae serve`: on every operation, for a
public caller, an agent and an admin, no 5xx and every response as documented (status code,
content type, body schema); operations above the caller's role answer 401 or 403.

The server runs on a copy of the sample KB (the fuzzer writes to it: keys, draft FAQ entries,
uploads) with rate limiting off. Bounded for CI: 40 examples an operation, a few for the two
that publish a new index, no coverage or stateful phase.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from kotae.app.api import create_app
from kotae.app.api.auth import Role
from kotae.app.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KEYS = {Role.PUBLIC: "", Role.AGENT: "fuzz-agent-key", Role.ADMIN: "fuzz-admin-key"}
PUBLISHING = ["POST /v1/gaps/{gap_id}/accept", "POST /v1/admin/documents"]  # a new index each
EXAMPLES, FEW = 40, 4  # per operation and caller; FEW for the PUBLISHING ones
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance]
# FastAPI reads the body before any dependency runs: one it cannot parse is refused (400, 422)
# before the role check, whoever sends it.
BODY_FIRST = (400, 422)
RAN: Counter[str] = Counter()  # examples run, per caller
# The operations, from the app built here (the test checks the live spec has the same ones).
OPERATIONS = [f"{method.upper()} {path}" for path, item in
              create_app(Settings(home=Path("unused"))).openapi()["paths"].items()
              for method in item]


@pytest.fixture(scope="module")
def fuzz_server(sample_settings, tmp_path_factory, copy_kb, serve_process):
    """A real `kotae serve` on a copy of the sample KB (never the shared one), rate limit off;
    yields its base URL and the process (whose ``output()`` is what the server printed)."""
    home = copy_kb(sample_settings.home, tmp_path_factory.mktemp("fuzz") / "kb")
    keys = f"agent:{KEYS[Role.AGENT]},admin:{KEYS[Role.ADMIN]}"
    with serve_process(home, keys, env={"KOTAE_RATE_LIMIT_PER_MINUTE": "0"}) as (proc, base):
        yield base, proc
    print(f"\nschemathesis: {sum(RAN.values())} examples on {len(OPERATIONS)} operations, "
          f"per caller: {dict(RAN)}")


@pytest.fixture(scope="module")
def live_schema(fuzz_server):
    """The schema as the running server publishes it. (Its operations are run through
    Hypothesis here, not ``schemathesis.pytest.from_fixture``: that one fails on pytest 9.2.)"""
    base, _proc = fuzz_server
    return schemathesis.openapi.from_url(f"{base}/openapi.json", config=schemathesis.Config())


def test_the_live_spec_has_the_operations_fuzzed(live_schema):
    live = {op.ok().label for op in live_schema.get_all_operations()}
    assert live == set(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
@pytest.mark.parametrize("caller", list(KEYS), ids=[r.value for r in KEYS])
def test_operation_answers_as_documented(live_schema, fuzz_server, caller, label):
    operation = live_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the live spec"
    needed = Role(operation.definition.raw["x-kotae-role"])
    headers = {"Authorization": f"Bearer {KEYS[caller]}"} if KEYS[caller] else {}
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=FEW if label in PUBLISHING else EXAMPLES, deadline=None,
              database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def answers_as_documented(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS, timeout=120)
        RAN[caller.value] += 1
        if not caller.allows(needed):
            refused = 401 if caller is Role.PUBLIC else 403
            assert response.status_code in (refused, *BODY_FIRST), (
                f"{label} needs {needed.value}; a {caller.value} caller got "
                f"{response.status_code}")

    try:
        answers_as_documented()
    except Exception:
        _base, proc = fuzz_server  # a 5xx's traceback is in the server's log
        print("server log (end):\n" + proc.output()[-6000:])
        raise
