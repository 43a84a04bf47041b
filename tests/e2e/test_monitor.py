#!/usr/bin/python3
"""Monitor mode (policy.mode = "monitor"): the same traffic passes.

The requests that enforce mode resets (HTTPS and HTTP to barred names,
CONNECT to a barred host, IPv4 and IPv6, curl and Python's ssl) must all
succeed with the right body, a download from a barred name must arrive
byte-identical, no reset may be sent, and every such flow must still be
logged (event "monitor", policy "monitor_mode") and counted in
kasblock_flows_monitored_total by category.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kbnet import (HERE, SERVER4, Lab, Ledger, check, log, msum, run_test,  # noqa: E402
                   sha256_file)


def main():
    with Lab("monitor") as lab:
        lab.build_network()
        lab.make_certs()
        lab.start_nginx()
        lab.start_proxy()
        lab.write_config(mode="monitor")
        lab.start_kasblock()
        run = Ledger(lab, "monitor")
        m0 = lab.metrics()
        ev0 = len(lab.events())
        enforced = [c for c, v in m0["kasblock_category_enforced"] if v != 0]
        check(not enforced, "kasblock_category_enforced is 0 for every category")

        log("-- the requests enforce mode resets, now passing")
        run.curl_barred("https://dnl-01.geo.kaspersky.com/", "dnl-01.geo.kaspersky.com", "sni")
        run.curl_barred("https://my.kaspersky.com/", "my.kaspersky.com", "sni")
        run.curl_barred("http://download.kaspersky.com/", "download.kaspersky.com",
                        "http_host")
        run.curl_barred("https://activation.kaspersky.com/", "activation.kaspersky.com",
                        "connect", proxy=True)
        run.curl_barred("https://dnl-02.geo.kaspersky.com/", "dnl-02.geo.kaspersky.com",
                        "sni", v6=True)
        run.curl_barred("http://products.kaspersky-labs.com/", "products.kaspersky-labs.com",
                        "http_host", v6=True)
        r = lab.curl("https://kav8.zonealarm.com/big.bin", "kav8.zonealarm.com",
                     out=f"{lab.dir}/mon.bin", timeout=60)
        check(r["rc"] == 0 and sha256_file(f"{lab.dir}/mon.bin") == lab.big_sha,
              "curl https://kav8.zonealarm.com/big.bin: monitored download, sha256 identical")
        run.owe("kav8.zonealarm.com", "sni", 443, sport=r["local_port"])
        probe = ["/usr/bin/python3", f"{HERE}/tls_probe.py", "--ca", lab.ca]
        r = json.loads(lab.cli(probe + ["--name", "crl.kaspersky.com", "--addr",
                                        SERVER4]).stdout)
        check(r["ok"] and r["body"] == "kasblock-e2e crl.kaspersky.com\n",
              "python ssl crl.kaspersky.com: passes in monitor mode")
        run.owe("crl.kaspersky.com", "sni", 443, sport=r["local_port"])
        run.curl_allowed("https://example.com/", "example.com")

        events = lab.wait_events(ev0, len(run.expect))
        run.check_events(events)
        m1 = run.check_counters(m0, events)
        check(msum(m1, "kasblock_category_enforced") == 0, "still nothing enforced")
        summary = lab.stop_kasblock()
        check("resets sent         0\n" in summary, "the exit summary: no reset sent")
    return 0


if __name__ == "__main__":
    run_test(main)
