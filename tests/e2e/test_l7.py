#!/usr/bin/python3
"""DNS, HTTP/2 cleartext and QUIC through a real kasblock.

- DNS: dig and drill ask a DNS server in the server namespace
  (dns_server.py). A barred name over UDP must come back NXDOMAIN from
  kasblock (the server never sees the query), over IPv4 and IPv6; an allowed
  one must get the server's answer; a barred name over TCP (dig +tcp) must
  be reset before the server reads it.
- h2c: curl --http2-prior-knowledge against nginx (`listen ... http2`): a
  barred :authority is reset, an allowed one answered.
- QUIC: headless Chromium forced to QUIC toward a UDP socket that never
  answers (udp_sink.py): for a barred name, nothing after the datagram that
  completes the ClientHello reaches the socket, though Chromium keeps
  retransmitting; for an allowed name every datagram does.

Then the events (one block line for each barred request, with field, name,
action and transport) and the counters (/metrics).
"""

import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kbnet import (CLIENT4, HERE, SERVER4, SERVER6, Lab, check, log, msum,  # noqa: E402
                   need_tools, run_test, wait_until)

H2C_PORT = 8080


def start_dns(lab):
    ready = f"{lab.dir}/dns.ready"
    lab.dns_log = f"{lab.dir}/dns.log"
    open(lab.dns_log, "w").close()
    lab.spawn("dns server", ["/usr/bin/python3", f"{HERE}/dns_server.py", lab.dns_log, ready,
                             SERVER4, SERVER6], ns=lab.ns_srv, stdout=f"{lab.dir}/dns.out")
    wait_until("the DNS server to listen", lambda: os.path.exists(ready))


def start_sink(lab):
    ready = f"{lab.dir}/sink.ready"
    lab.sink_log = f"{lab.dir}/sink.log"
    open(lab.sink_log, "w").close()
    lab.spawn("udp sink", ["/usr/bin/python3", f"{HERE}/udp_sink.py", lab.sink_log, ready,
                           SERVER4, "443"], ns=lab.ns_srv, stdout=f"{lab.dir}/sink.out")
    wait_until("the UDP sink to listen", lambda: os.path.exists(ready))


def start_h2c(lab):
    """A second nginx: HTTP/2 cleartext with prior knowledge on H2C_PORT."""
    d = f"{lab.dir}/h2c"
    os.makedirs(f"{d}/tmp", exist_ok=True)
    lab.h2c_access = f"{d}/access.log"
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(f"""
user root;
daemon off;
master_process on;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 64; }}
http {{
    log_format names '$host $server_protocol';
    access_log {lab.h2c_access} names;
    client_body_temp_path {d}/tmp;
    proxy_temp_path {d}/tmp;
    fastcgi_temp_path {d}/tmp;
    uwsgi_temp_path {d}/tmp;
    scgi_temp_path {d}/tmp;
    server {{
        listen {SERVER4}:{H2C_PORT} http2;
        server_name _;
        location = / {{ default_type text/plain; return 200 "h2c $host\\n"; }}
    }}
}}
""")
    lab.spawn("h2c nginx", ["nginx", "-c", f"{d}/nginx.conf", "-e", f"{d}/error.log"],
              ns=lab.ns_srv, stdout=f"{d}/nginx.out")
    wait_until("h2c nginx to listen", lambda: lab.ns(lab.ns_srv, [
        "curl", "-sS", "-m", "2", "--http2-prior-knowledge", "-o", "/dev/null",
        f"http://{SERVER4}:{H2C_PORT}/"]).returncode == 0)


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


def chromium_quic(lab, name, timeout=12):
    """Chromium told to use QUIC for name; the sink never answers, so it
    retransmits its first flight until the timeout."""
    udd = tempfile.mkdtemp(prefix="chromium-", dir=lab.dir)
    argv = ["timeout", "-k", "5", str(timeout), "chromium", "--headless", "--no-sandbox",
            "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", f"--user-data-dir={udd}",
            "--enable-quic", f"--origin-to-force-quic-on={name}:443",
            f"--host-resolver-rules=MAP * {SERVER4}", "--dump-dom", f"https://{name}/"]
    return lab.cli(argv, timeout=timeout + 20, env=dict(os.environ, HOME=udd))


def main():
    need_tools("dig", "drill", "nginx", "chromium")
    with Lab("l7") as lab:
        lab.build_network()
        lab.make_certs()
        lab.start_nginx()
        start_h2c(lab)
        start_dns(lab)
        start_sink(lab)
        lab.write_config()
        lab.start_kasblock()
        m0 = lab.metrics()
        ev0 = len(lab.events())
        want = []        # (field, name, action, proto, dport)

        log("-- DNS over UDP and TCP")
        dig = ["dig", "+time=2", "+tries=1", f"@{SERVER4}"]
        r = lab.cli(dig + ["dnl-01.geo.kaspersky.com", "A"])
        check(r.returncode == 0 and "status: NXDOMAIN" in r.stdout
              and re.search(r"flags: qr rd ra;", r.stdout) and "ANSWER: 0" in r.stdout,
              "dig dnl-01.geo.kaspersky.com: NXDOMAIN (qr rd ra, no answer) from kasblock")
        want.append(("dns", "dnl-01.geo.kaspersky.com", "reset", "UDP", 53))
        r = lab.cli(dig + ["example.com", "A"])
        check(r.returncode == 0 and "status: NOERROR" in r.stdout and SERVER4 in r.stdout,
              "dig example.com: the server's answer")
        r = lab.cli(["drill", "my.kaspersky.com", f"@{SERVER6}", "AAAA"])
        check("rcode: NXDOMAIN" in r.stdout, "drill my.kaspersky.com over IPv6: NXDOMAIN")
        want.append(("dns", "my.kaspersky.com", "reset", "UDP", 53))
        r = lab.cli(["drill", "www.example.org", f"@{SERVER6}", "AAAA"])
        check("rcode: NOERROR" in r.stdout and SERVER6 in r.stdout,
              "drill www.example.org over IPv6: the server's answer")
        r = lab.cli(dig + ["+tcp", "updates.kaspersky.com", "A"])
        check(r.returncode != 0 and "NOERROR" not in r.stdout,
              f"dig +tcp updates.kaspersky.com: no answer (rc {r.returncode})")
        want.append(("dns", "updates.kaspersky.com", "reset", "TCP", 53))
        r = lab.cli(dig + ["+tcp", "files.example.net", "A"])
        check(r.returncode == 0 and "status: NOERROR" in r.stdout,
              "dig +tcp files.example.net: the server's answer")
        seen = lines(lab.dns_log)
        check(sorted(seen) == sorted(["udp example.com", "udp www.example.org",
                                      "tcp files.example.net"]),
              f"the DNS server saw only the allowed queries ({seen})")

        log("-- HTTP/2 cleartext")
        r = lab.curl(f"http://h2c.kaspersky.com:{H2C_PORT}/", "h2c.kaspersky.com",
                     port=H2C_PORT, extra=["--http2-prior-knowledge"])
        check(r["rc"] != 0, f"curl --http2-prior-knowledge h2c.kaspersky.com: fails "
              f"(rc {r['rc']}: {r['err']})")
        want.append(("http_host", "h2c.kaspersky.com", "reset", "TCP", H2C_PORT))
        r = lab.curl(f"http://example.com:{H2C_PORT}/", "example.com", port=H2C_PORT,
                     extra=["--http2-prior-knowledge"])
        check(r["rc"] == 0 and r["body"] == "h2c example.com\n",
              f"curl --http2-prior-knowledge example.com: answered over h2c ({r})")
        acc = lines(lab.h2c_access)
        check("example.com HTTP/2.0" in acc and not any("kaspersky" in x for x in acc),
              f"nginx got the allowed h2c request, never the barred one ({acc})")

        log("-- QUIC (Chromium, forced)")
        before = len(lines(lab.sink_log))
        chromium_quic(lab, "quic.kaspersky.com")
        got = lines(lab.sink_log)[before:]
        check(len(got) <= 1, f"barred QUIC: the sink got {len(got)} datagram(s) (at most "
              "the first Initial, before the one completing the hello)")
        want.append(("quic_sni", "quic.kaspersky.com", "drop", "UDP", 443))
        before = len(lines(lab.sink_log))
        chromium_quic(lab, "example.com")
        got = lines(lab.sink_log)[before:]
        check(len(got) >= 2, f"allowed QUIC: the sink got all {len(got)} datagrams "
              "(first flight and retransmissions)")

        events = lab.wait_events(ev0, len(want))
        got = sorted((e.get("field"), e.get("name"), e.get("action"), e.get("proto"),
                      e.get("dest_port")) for e in events if e.get("event") == "block")
        check(got == sorted(want), f"one block event per barred request: {got}")
        for e in events:
            check(e.get("src_ip") in (CLIENT4, "2001:db8:100::10"),
                  f"event from the client: {e.get('src_ip')}")

        m1 = lab.metrics()

        def delta(name, **labels):
            return msum(m1, name, **labels) - msum(m0, name, **labels)
        check(delta("kasblock_dns_refusals_total") == 2, "kasblock_dns_refusals_total +2")
        check(delta("kasblock_dns_queries_matched_total") == 2,
              "kasblock_dns_queries_matched_total +2 (UDP)")
        check(delta("kasblock_dns_queries_total") >= 5, "kasblock_dns_queries_total +5 or more")
        check(delta("kasblock_h2c_requests_total") == 2, "kasblock_h2c_requests_total +2")
        check(delta("kasblock_quic_hellos_total") >= 2, "kasblock_quic_hellos_total +2 or more")
        check(delta("kasblock_names_total", field="quic_sni") >= 2,
              "kasblock_names_total{field=quic_sni} +2 or more")
        check(delta("kasblock_resets_sent_total") == 4,
              "kasblock_resets_sent_total +4 (DNS over TCP, h2c)")
        summary = lab.stop_kasblock()
        check(re.search(r"refusals 2,", summary) is not None, "the exit summary: 2 refusals")
    return 0


if __name__ == "__main__":
    run_test(main)
