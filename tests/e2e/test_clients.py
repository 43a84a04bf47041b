#!/usr/bin/python3
"""Real clients through a real kasblock (enforce mode).

curl, wget, openssl s_client, gnutls-cli, Python's ssl and headless
Chromium in a client namespace talk to nginx and a CONNECT proxy in a
server namespace, over IPv4 and IPv6, through kasblock bridging two veth
pairs with net_af_packet. Barred names must fail at once by the injected
reset; allowed names must get the right body, downloads byte-identical.
At the end every event line must match a request that was barred, and the
counters of /metrics must match the events.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kbnet import (ALLOWED, ALLOWED6, BARRED, BARRED6, CLIENT4, CLIENT6, PROXY_PORT,  # noqa: E402
                   SERVER4, SERVER6, HERE, Lab, TestFailure, check, client_hello_segments,
                   log, msum, pcap_tcp, sha256_file, wait_until)

# A barred request must fail by the reset, long before any timeout.
RESET_DEADLINE = 1.0
RESET_RCS = (35, 56)  # curl: TLS connect error / receive failure, both "reset by peer"


class Run:
    def __init__(self, lab):
        self.lab = lab
        self.expect = []  # events we caused: dicts of the fields they must carry
        self.ttf = []     # (client, name, seconds to failure)

    def block(self, name, field, dport, sport=None, v6=False, at_least_one=False):
        cat, sig = (BARRED6 if v6 else BARRED)[name]
        self.expect.append({
            "event": "block", "src_ip": CLIENT6 if v6 else CLIENT4,
            "dest_ip": SERVER6 if v6 else SERVER4, "dest_port": dport, "proto": "TCP",
            "field": field, "name": name, "signature_id": sig, "category": cat,
            "action": "reset", "reason": "signature", "src_port": sport,
            "many": at_least_one})

    # -- curl --

    def curl_barred(self, url, name, field, v6=False, proxy=False):
        lab = self.lab
        extra = ["-x", f"http://{SERVER4}:{PROXY_PORT}"] if proxy else []
        r = lab.curl(url, None if proxy else name, addr=SERVER6 if v6 else SERVER4,
                     extra=extra)
        check(r["rc"] in RESET_RCS and "reset by peer" in r["err"],
              f"curl {url}{' via proxy' if proxy else ''}: reset "
              f"(exit {r['rc']}, {r['err']!r})")
        check(r["time"] < RESET_DEADLINE,
              f"curl {url}: failed after {r['time'] * 1000:.1f} ms (< {RESET_DEADLINE} s)")
        self.ttf.append(("curl", url, r["time"]))
        dport = PROXY_PORT if proxy else (443 if url.startswith("https") else 80)
        self.block(name, field, dport, sport=r["local_port"], v6=v6)

    def curl_allowed(self, url, name, v6=False, proxy=False):
        lab = self.lab
        extra = ["-x", f"http://{SERVER4}:{PROXY_PORT}"] if proxy else []
        r = lab.curl(url, None if proxy else name, addr=SERVER6 if v6 else SERVER4,
                     extra=extra)
        check(r["rc"] == 0 and r["body"] == f"kasblock-e2e {name}\n",
              f"curl {url}{' via proxy' if proxy else ''}: passes with its body "
              f"(exit {r['rc']}, {r['body']!r} {r['err']!r})")

    def curl_download(self, url, name, v6=False):
        lab = self.lab
        out = f"{lab.dir}/dl-{len(self.ttf)}-{os.getpid()}.bin"
        r = lab.curl(url, name, addr=SERVER6 if v6 else SERVER4, out=out, timeout=60)
        got = sha256_file(out) if r["rc"] == 0 else None
        os.unlink(out)
        check(got == lab.big_sha, f"curl {url}: {r['size']} bytes, sha256 identical "
              f"(exit {r['rc']} {r['err']!r})")


def main():
    with Lab("clients") as lab:
        lab.build_network()
        lab.make_certs()
        lab.start_nginx()
        lab.start_proxy()
        lab.write_config(mode="enforce")
        lab.start_kasblock()
        run = Run(lab)
        m0 = lab.metrics()
        ev0 = len(lab.events())

        log("-- curl, IPv4")
        run.curl_barred("https://dnl-01.geo.kaspersky.com/", "dnl-01.geo.kaspersky.com", "sni")
        run.curl_barred("https://my.kaspersky.com/", "my.kaspersky.com", "sni")
        run.curl_barred("http://download.kaspersky.com/", "download.kaspersky.com",
                        "http_host")
        for n in ALLOWED[:3]:
            run.curl_allowed(f"https://{n}/", n)
            run.curl_allowed(f"http://{n}/", n)
        run.curl_download("https://files.example.net/big.bin", "files.example.net")
        run.curl_download("http://example.com/big.bin", "example.com")

        log("-- CONNECT through the proxy")
        run.curl_barred("https://activation.kaspersky.com/", "activation.kaspersky.com",
                        "connect", proxy=True)
        run.curl_allowed("https://www.example.org/", "www.example.org", proxy=True)

        log("-- curl, IPv6")
        run.curl_barred("https://dnl-02.geo.kaspersky.com/", "dnl-02.geo.kaspersky.com",
                        "sni", v6=True)
        run.curl_barred("http://products.kaspersky-labs.com/", "products.kaspersky-labs.com",
                        "http_host", v6=True)
        run.curl_allowed(f"https://{ALLOWED6[0]}/", ALLOWED6[0], v6=True)
        run.curl_allowed(f"http://{ALLOWED6[0]}/", ALLOWED6[0], v6=True)
        run.curl_download(f"https://{ALLOWED6[0]}/big.bin", ALLOWED6[0], v6=True)

        log("-- openssl s_client")
        req = "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n"
        r = lab.cli(["openssl", "s_client", "-connect", f"{SERVER4}:443", "-servername",
                     "example.com", "-CAfile", lab.ca, "-verify_return_error", "-ign_eof",
                     "-quiet"], input=req.format("example.com"))
        check(r.returncode == 0 and "kasblock-e2e example.com" in r.stdout,
              f"s_client example.com: verified, body received (exit {r.returncode})")
        r = lab.cli(["openssl", "s_client", "-connect", f"{SERVER4}:443", "-servername",
                     "keyfile.kaspersky.com", "-CAfile", lab.ca], input="")
        out = r.stdout + r.stderr
        check(r.returncode != 0 and "errno=104" in out and "no peer certificate" in out,
              f"s_client keyfile.kaspersky.com: ECONNRESET before any certificate "
              f"(exit {r.returncode})")
        run.block("keyfile.kaspersky.com", "sni", 443)

        log("-- gnutls-cli")
        r = lab.cli(["gnutls-cli", f"--x509cafile={lab.ca}", "-p", "443", "www.example.org"],
                    input=req.format("www.example.org"))
        check(r.returncode == 0 and "kasblock-e2e www.example.org" in r.stdout,
              f"gnutls-cli www.example.org: verified, body received (exit {r.returncode})")
        r = lab.cli(["gnutls-cli", f"--x509cafile={lab.ca}", "-p", "443",
                     "kav8.zonealarm.com"], input="")
        out = r.stdout + r.stderr
        check(r.returncode != 0 and "Error in the pull function" in out
              and "Handshake was completed" not in out,
              f"gnutls-cli kav8.zonealarm.com: handshake cut by the reset (exit {r.returncode})")
        run.block("kav8.zonealarm.com", "sni", 443)

        log("-- wget")
        r = lab.cli(["wget", "-q", "-O", "-", "--tries=1", f"--ca-certificate={lab.ca}",
                     "https://files.example.net/"])
        check(r.returncode == 0 and r.stdout == "kasblock-e2e files.example.net\n",
              f"wget https://files.example.net/: body (exit {r.returncode})")
        dl = f"{lab.dir}/wget.bin"
        r = lab.cli(["wget", "-q", "-O", dl, "--tries=1", f"--ca-certificate={lab.ca}",
                     "https://www.example.org/big.bin"], timeout=90)
        check(r.returncode == 0 and sha256_file(dl) == lab.big_sha,
              f"wget https://www.example.org/big.bin: sha256 identical (exit {r.returncode})")
        r = lab.cli(["wget", "-q", "-O", "-", "--tries=1", f"--ca-certificate={lab.ca}",
                     "https://ds.kaspersky.com/"])
        check(r.returncode == 4 and r.stdout == "",
              f"wget https://ds.kaspersky.com/: network failure, nothing received "
              f"(exit {r.returncode})")
        run.block("ds.kaspersky.com", "sni", 443)

        log("-- Python ssl")
        probe = ["/usr/bin/python3", f"{HERE}/tls_probe.py", "--ca", lab.ca]
        import json
        r = json.loads(lab.cli(probe + ["--name", "example.com", "--addr", SERVER4,
                                        "--path", "/big.bin"], timeout=90).stdout)
        check(r["ok"] and r["sha256"] == lab.big_sha,
              f"python ssl example.com/big.bin ({r.get('tls_version')}): sha256 identical")
        r = json.loads(lab.cli(probe + ["--name", ALLOWED6[0], "--addr", SERVER6]).stdout)
        check(r["ok"] and r["body"] == f"kasblock-e2e {ALLOWED6[0]}\n",
              f"python ssl {ALLOWED6[0]} over IPv6: body")
        r = json.loads(lab.cli(probe + ["--name", "crl.kaspersky.com", "--addr",
                                        SERVER4]).stdout)
        check(not r["ok"] and r["error"] == "ConnectionResetError" and r["errno"] == 104,
              f"python ssl crl.kaspersky.com: ConnectionResetError after "
              f"{r['elapsed'] * 1000:.1f} ms")
        check(r["elapsed"] < RESET_DEADLINE, "python ssl: reset within the deadline")
        run.ttf.append(("python ssl", "crl.kaspersky.com", r["elapsed"]))
        run.block("crl.kaspersky.com", "sni", 443, sport=r["local_port"])

        log("-- Chromium (post-quantum ClientHello over two segments)")
        pcap = f"{lab.dir}/chromium.pcap"
        cap = lab.capture(lab.out_cli, "tcp dst port 443", pcap)
        r = lab.chromium("https://example.com/")
        check("kasblock-e2e example.com" in r.stdout,
              "chromium https://example.com/: page rendered")
        r = lab.chromium("https://ksn-url-geo.kaspersky-labs.com/")
        check("net::ERR_CONNECTION_RESET" in r.stderr and "kasblock-e2e" not in r.stdout,
              "chromium https://ksn-url-geo.kaspersky-labs.com/: ERR_CONNECTION_RESET")
        run.block("ksn-url-geo.kaspersky-labs.com", "sni", 443, at_least_one=True)

        # Everything is in; the counters and the event log must say so.
        def count_events():
            return len(lab.events()) - ev0 >= len(run.expect)
        wait_until("the events of every barred request", count_events, tries=100)
        events = lab.events()[ev0:]
        chrome = [e for e in events if e["name"] == "ksn-url-geo.kaspersky-labs.com"]

        # Chromium's ClientHello (X25519MLKEM768 key share) does not fit in
        # one segment: show that the flows it lost were such ones. tcpdump
        # writes as it goes; wait until it has written those hellos.
        def hellos():
            frames = pcap_tcp(pcap)
            got = [client_hello_segments(frames, e["src_port"]) for e in chrome]
            return all(n > 0 for n, _ in got) and got
        got = wait_until("the capture to hold Chromium's ClientHellos", hellos)
        lab.stop_capture(cap)
        for e, (nseg, size) in zip(chrome, got):
            check(nseg >= 2, f"chromium flow :{e['src_port']}: ClientHello record of "
                  f"{size} bytes over {nseg} segments, blocked")

        seen = set()
        for e in events:
            check(e["event"] == "block" and e["generation"] == 1,
                  f"event {e['name']} :{e['src_port']}: a block of generation 1")
        for x in run.expect:
            mine = [e for e in events if e.get("name") == x["name"]
                    and (x["src_port"] is None or e["src_port"] == x["src_port"])]
            want = {k: v for k, v in x.items() if k not in ("many",) and v is not None}
            ok = mine and all(all(e.get(k) == v for k, v in want.items()) for e in mine)
            n = "at least one" if x["many"] else "exactly one"
            check(ok and (len(mine) >= 1 if x["many"] else len(mine) == 1),
                  f"{n} event for {x['name']} ({x['field']}, port {x['dest_port']}, "
                  f"{x['category']}/{x['signature_id']}): {len(mine)}")
            seen.update(id(e) for e in mine)
        check(len(seen) == len(events),
              f"no event without a barred request ({len(events) - len(seen)} extra)")

        per_cat = {}
        per_sig = {}
        for e in events:
            per_cat[e["category"]] = per_cat.get(e["category"], 0) + 1
            per_sig[e["signature_id"]] = per_sig.get(e["signature_id"], 0) + 1
        blocked = len(events)

        def counters_settled():
            m = lab.metrics()
            return all(msum(m, "kasblock_flows_blocked_total", category=c)
                       - msum(m0, "kasblock_flows_blocked_total", category=c) == n
                       for c, n in per_cat.items()) and m
        m1 = wait_until("the counters to count every blocked flow", counters_settled)

        def delta(name, **lab_):
            return msum(m1, name, **lab_) - msum(m0, name, **lab_)
        for c, n in sorted(per_cat.items()):
            check(delta("kasblock_flows_blocked_total", category=c) == n,
                  f"kasblock_flows_blocked_total{{category=\"{c}\"}} +{n}")
        check(delta("kasblock_flows_blocked_total") == blocked,
              f"kasblock_flows_blocked_total +{blocked} over all categories")
        for s, n in sorted(per_sig.items()):
            check(delta("kasblock_signature_flows_blocked_total", signature_id=s) == n,
                  f"kasblock_signature_flows_blocked_total{{signature_id=\"{s}\"}} +{n}")
        check(delta("kasblock_resets_sent_total") == 2 * blocked,
              f"kasblock_resets_sent_total +{2 * blocked} (two per blocked flow)")
        check(delta("kasblock_flows_monitored_total") == 0, "no flow monitored")
        check(delta("kasblock_events_total") == blocked,
              f"kasblock_events_total +{blocked}")
        check(delta("kasblock_events_dropped_total") == 0, "no event dropped")
        for fam in ("kasblock_port_rx_missed_total", "kasblock_port_rx_errors_total",
                    "kasblock_port_tx_errors_total", "kasblock_port_rx_nombuf_total",
                    "kasblock_port_packets_refused_total"):
            check(msum(m1, fam) == 0, f"{fam} 0")

        summary = lab.stop_kasblock()
        check(f"resets sent         {2 * blocked + int(msum(m0, 'kasblock_resets_sent_total'))}"
              in summary, "the exit summary counts the same resets")
        log("time to failure of barred requests:")
        for who, what, t in run.ttf:
            log(f"  {who:10s} {what:45s} {t * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TestFailure as e:
        log(f"FAIL {e}")
        sys.exit(1)
