#!/usr/bin/python3
"""A real Prometheus scrapes kasblock's /metrics.

Debian's `prometheus` runs on loopback with a temporary configuration and
storage directory, scraping kasblock every second. After barred requests
through kasblock, the test asks Prometheus' HTTP API (/api/v1/query) for
kasblock_flows_blocked_total of the right categories and finds the counts
of the requests made (and the same numbers kasblock's /metrics shows).
"""

import json
import os
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kbnet import (Lab, Ledger, check, free_port, log, msum, need_tools,  # noqa: E402
                   run_test, wait_until)

UPDATE = ["dnl-01.geo.kaspersky.com"] * 3
STOREFRONT = ["my.kaspersky.com"]


def start_prometheus(lab):
    need_tools("prometheus")
    port = free_port()
    d = f"{lab.dir}/prometheus"
    os.makedirs(f"{d}/data")
    with open(f"{d}/prometheus.yml", "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: kasblock
    static_configs:
      - targets: ["127.0.0.1:{lab.metrics_port}"]
""")
    p = lab.spawn("prometheus", [
        "prometheus", f"--config.file={d}/prometheus.yml", f"--storage.tsdb.path={d}/data",
        f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h",
        "--log.level=warn"], stdout=f"{d}/prometheus.log", cwd=d)
    base = f"http://127.0.0.1:{port}"

    def ready():
        if p.poll() is not None:
            raise AssertionError("prometheus exited: "
                                 + open(f"{d}/prometheus.log").read()[-1500:])
        with urllib.request.urlopen(f"{base}/-/ready", timeout=2) as r:
            return r.status == 200
    wait_until("prometheus to be ready", ready, tries=150, pause=0.2)
    return base


def api(base, path, **params):
    url = f"{base}{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise AssertionError(f"{url}: {body}")
    return body["data"]


def main():
    with Lab("prometheus") as lab:
        lab.build_network()
        lab.make_certs()
        lab.start_nginx()
        lab.write_config(mode="enforce")
        lab.start_kasblock()
        base = start_prometheus(lab)
        log(f"prometheus on {base}, scraping 127.0.0.1:{lab.metrics_port} every 1 s")

        def target_up():
            t = api(base, "/api/v1/targets")["activeTargets"]
            return len(t) == 1 and t[0]["health"] == "up" and t
        t = wait_until("prometheus to scrape kasblock", target_up, tries=100, pause=0.2)
        check(t[0]["labels"]["job"] == "kasblock", "prometheus target kasblock is up")

        run = Ledger(lab, "enforce")
        for n in UPDATE + STOREFRONT:
            run.curl_barred(f"https://{n}/", n, "sni")
        run.curl_allowed("https://example.com/", "example.com")
        m = wait_until("kasblock to count the blocks", lambda: (
            msum(lab.metrics(), "kasblock_flows_blocked_total") == len(UPDATE + STOREFRONT)
            and lab.metrics()))

        for cat, n in (("update", len(UPDATE)), ("storefront", len(STOREFRONT))):
            q = f'kasblock_flows_blocked_total{{job="kasblock",category="{cat}"}}'

            def answer():
                res = api(base, "/api/v1/query", query=q)["result"]
                return res and float(res[0]["value"][1]) == n and res
            res = wait_until(f"prometheus to see {n} {cat} blocks", answer, tries=100,
                             pause=0.2)
            log(f"GET /api/v1/query?query={q}\n  -> {json.dumps(res)}")
            check(float(res[0]["value"][1]) > 0 and msum(m, "kasblock_flows_blocked_total",
                                                          category=cat) == n,
                  f"prometheus: {q} = {res[0]['value'][1]}, as kasblock's /metrics")
        res = api(base, "/api/v1/query",
                  query='sum by (category) (kasblock_flows_blocked_total) > 0')["result"]
        got = {r["metric"]["category"]: float(r["value"][1]) for r in res}
        check(got == {"update": len(UPDATE), "storefront": len(STOREFRONT)},
              f"prometheus: blocked flows by category {got}, no other category")
        lab.stop_kasblock()
    return 0


if __name__ == "__main__":
    run_test(main)
