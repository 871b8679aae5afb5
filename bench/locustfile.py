"""Locust load for a running ``kotae serve``: public and agent search, deflection, suggestions.

Every user runs at ``--kotae-rate / users`` requests per second (``constant_throughput``), so
the total offered rate is ``--kotae-rate`` as long as each user's requests finish in time;
when the server cannot keep up, the achieved rate falls and the latency shows it. Any response
that is not 2xx counts as a failure (a 429 too: run the server with
``KOTAE_RATE_LIMIT_PER_MINUTE=0``, since all the load comes from one client address).

Questions come from the bundled sample KB (``kb/sample_kb``: FAQ questions, ticket subjects
and bodies); a share ``--kotae-exact-share`` is sent as written, the rest as paraphrased
variants (a greeting or a closing added), so not every query is an exact repeat. The server
caches query embeddings, so the share of repeated texts is written, with the snapshots the
search responses named, to ``--kotae-query-stats`` (JSON) when locust stops.

    KOTAE_LOAD_AGENT_KEY=... locust -f bench/locustfile.py --headless -u 200 -r 100 -t 60s \\
        --host http://127.0.0.1:8000 --kotae-rate 200 --csv out/locust

``bench/load_test.py`` runs all of it (KB, server, locust, a re-ingest under load, a report).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter, defaultdict

from load_queries import ENDPOINTS, QueryPool, parse_mix
from locust import FastHttpUser, constant_throughput, events, task

POOL = QueryPool.from_sample_kb()
SENT: dict[str, Counter[str]] = defaultdict(Counter)  # endpoint -> text -> times sent
SNAPSHOTS: dict[str, list[float]] = {}  # snapshot -> [first seen, last seen, responses]
STARTED: list[float] = []


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    group = parser.add_argument_group("kotae")
    group.add_argument("--kotae-rate", type=float, default=200.0, env_var="KOTAE_LOAD_RATE",
                       help="Total requests per second over all users.")
    group.add_argument("--kotae-mix", default="search=50,agent_search=20,deflect=20,suggest=10",
                       env_var="KOTAE_LOAD_MIX", help="Weights: " + ", ".join(ENDPOINTS) + ".")
    group.add_argument("--kotae-exact-share", type=float, default=0.5,
                       env_var="KOTAE_LOAD_EXACT_SHARE",
                       help="Share of questions sent as written (the rest are paraphrased).")
    group.add_argument("--kotae-query-stats", default="", env_var="KOTAE_LOAD_QUERY_STATS",
                       help="Write repeat shares and the snapshots seen here (JSON).")


@events.test_start.add_listener
def _start(environment, **_kw) -> None:
    opts = environment.parsed_options
    users = max(1, opts.num_users or 1)
    KotaeUser.wait_time = constant_throughput(opts.kotae_rate / users)
    KotaeUser.mix = parse_mix(opts.kotae_mix)
    KotaeUser.exact_share = opts.kotae_exact_share
    STARTED.append(time.time())
    if opts.kotae_query_stats:  # tells the driver that the load has started
        with open(opts.kotae_query_stats, "w", encoding="utf-8") as fh:
            json.dump({"test_start": STARTED[0]}, fh)


@events.quitting.add_listener
def _write_stats(environment, **_kw) -> None:
    path = environment.parsed_options.kotae_query_stats
    if not path:
        return
    endpoints = {}
    for name, texts in sorted(SENT.items()):
        total = sum(texts.values())
        endpoints[name] = {"requests": total, "distinct_texts": len(texts),
                           "repeat_share": round(1 - len(texts) / total, 4) if total else 0.0}
    total = sum(e["requests"] for e in endpoints.values())
    repeats = sum(e["requests"] - e["distinct_texts"] for e in endpoints.values())
    stats = {"test_start": STARTED[0] if STARTED else None, "endpoints": endpoints,
             "repeat_share": round(repeats / total, 4) if total else 0.0,
             "snapshots": {k: {"first_seen": v[0], "last_seen": v[1], "responses": int(v[2])}
                           for k, v in SNAPSHOTS.items()}}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(stats, fh, indent=2)


def _seen_snapshot(name: str) -> None:
    now = time.time()
    entry = SNAPSHOTS.setdefault(name, [now, now, 0])
    entry[1], entry[2] = now, entry[2] + 1


class KotaeUser(FastHttpUser):
    """One client; which endpoint each request goes to is drawn from the mix."""

    network_timeout = connection_timeout = 30.0
    mix: dict[str, float] = parse_mix("search=1")
    exact_share = 0.5

    def on_start(self) -> None:
        self.rng = random.Random()
        self.agent = {"Authorization": "Bearer " + os.environ.get("KOTAE_LOAD_AGENT_KEY", "")}

    @task
    def one_request(self) -> None:
        endpoint = self.rng.choices(list(self.mix), weights=list(self.mix.values()))[0]
        getattr(self, endpoint)()

    def _call(self, endpoint: str, text: str, method: str, path: str, **kw) -> None:
        SENT[endpoint][text] += 1
        with self.client.request(method, path, name=endpoint, catch_response=True,
                                 **kw) as resp:
            if not 200 <= resp.status_code < 300:
                resp.failure(f"HTTP {resp.status_code}")
                return
            try:
                body = resp.json()
            except ValueError:
                resp.failure("response is not JSON")
                return
            if "snapshot" in body:
                _seen_snapshot(body["snapshot"])

    def search(self) -> None:
        q = POOL.short_question(self.rng, self.exact_share)
        self._call("search", q, "GET", "/v1/search", params={"q": q})

    def agent_search(self) -> None:
        q = POOL.short_question(self.rng, self.exact_share)
        params = {"q": q, **POOL.agent_filters(self.rng)}
        self._call("agent_search", q, "GET", "/v1/search", params=params, headers=self.agent)

    def deflect(self) -> None:
        question = POOL.customer_question(self.rng, self.exact_share)
        self._call("deflect", question, "POST", "/v1/deflect",
                   json={"question": question, "channel": "loadtest"})

    def suggest(self) -> None:
        subject, body = POOL.ticket(self.rng, self.exact_share)
        self._call("suggest", subject + "\n" + body, "POST", "/v1/suggest",
                   json={"subject": subject, "body": body}, headers=self.agent)
