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

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kbnet import (ALLOWED, ALLOWED6, HERE, RESET_DEADLINE, SERVER4, SERVER6,  # noqa: E402
                   Lab, Ledger, check, client_hello_segments, log, pcap_tcp, run_test,
                   sha256_file, wait_until)

HTTP_REQ = "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n"


def main():
    with Lab("clients") as lab:
        lab.build_network()
        lab.make_certs()
        lab.start_nginx()
        lab.start_proxy()
        lab.write_config(mode="enforce")
        lab.start_kasblock()
        run = Ledger(lab, "enforce")
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
        r = lab.cli(["openssl", "s_client", "-connect", f"{SERVER4}:443", "-servername",
                     "example.com", "-CAfile", lab.ca, "-verify_return_error", "-ign_eof",
                     "-quiet"], input=HTTP_REQ.format("example.com"))
        check(r.returncode == 0 and "kasblock-e2e example.com" in r.stdout,
              f"s_client example.com: verified, body received (exit {r.returncode})")
        r = lab.cli(["openssl", "s_client", "-connect", f"{SERVER4}:443", "-servername",
                     "keyfile.kaspersky.com", "-CAfile", lab.ca], input="")
        out = r.stdout + r.stderr
        check(r.returncode != 0 and "errno=104" in out and "no peer certificate" in out,
              f"s_client keyfile.kaspersky.com: ECONNRESET before any certificate "
              f"(exit {r.returncode})")
        run.owe("keyfile.kaspersky.com", "sni", 443)

        log("-- gnutls-cli")
        r = lab.cli(["gnutls-cli", f"--x509cafile={lab.ca}", "-p", "443", "www.example.org"],
                    input=HTTP_REQ.format("www.example.org"))
        check(r.returncode == 0 and "kasblock-e2e www.example.org" in r.stdout,
              f"gnutls-cli www.example.org: verified, body received (exit {r.returncode})")
        r = lab.cli(["gnutls-cli", f"--x509cafile={lab.ca}", "-p", "443",
                     "kav8.zonealarm.com"], input="")
        out = r.stdout + r.stderr
        check(r.returncode != 0 and "Error in the pull function" in out
              and "Handshake was completed" not in out,
              f"gnutls-cli kav8.zonealarm.com: handshake cut by the reset (exit {r.returncode})")
        run.owe("kav8.zonealarm.com", "sni", 443)

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
        run.owe("ds.kaspersky.com", "sni", 443)

        log("-- Python ssl")
        probe = ["/usr/bin/python3", f"{HERE}/tls_probe.py", "--ca", lab.ca]
        r = json.loads(lab.cli(probe + ["--name", "example.com", "--addr", SERVER4,
                                        "--path", "/big.bin"], timeout=90).stdout)
        check(r["ok"] and r["sha256"] == lab.big_sha,
              f"python ssl example.com/big.bin ({r.get('tls_version')}): sha256 identical")
        r = json.loads(lab.cli(probe + ["--name", ALLOWED6[0], "--addr", SERVER6]).stdout)
        check(r["ok"] and r["body"] == f"kasblock-e2e {ALLOWED6[0]}\n",
              f"python ssl {ALLOWED6[0]} over IPv6: body")
        r = json.loads(lab.cli(probe + ["--name", "crl.kaspersky.com", "--addr",
                                        SERVER4]).stdout)
        check(not r["ok"] and r["error"] == "ConnectionResetError" and r["errno"] == 104
              and r["elapsed"] < RESET_DEADLINE,
              f"python ssl crl.kaspersky.com: ConnectionResetError after "
              f"{r['elapsed'] * 1000:.1f} ms")
        run.ttf.append(("python ssl", "crl.kaspersky.com", r["elapsed"]))
        run.owe("crl.kaspersky.com", "sni", 443, sport=r["local_port"])

        log("-- Chromium (post-quantum ClientHello over two segments)")
        pcap = f"{lab.dir}/chromium.pcap"
        cap = lab.capture(lab.out_cli, "tcp dst port 443", pcap)
        r = lab.chromium("https://example.com/")
        check("kasblock-e2e example.com" in r.stdout,
              "chromium https://example.com/: page rendered")
        r = lab.chromium("https://ksn-url-geo.kaspersky-labs.com/")
        check("net::ERR_CONNECTION_RESET" in r.stderr and "kasblock-e2e" not in r.stdout,
              "chromium https://ksn-url-geo.kaspersky-labs.com/: ERR_CONNECTION_RESET")
        # The browser retries: one event per connection it tried.
        run.owe("ksn-url-geo.kaspersky-labs.com", "sni", 443, many=True)

        # Everything has been sent; now what kasblock says about it.
        events = lab.wait_events(ev0, len(run.expect))
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

        run.check_events(events)
        m1 = run.check_counters(m0, events)
        summary = lab.stop_kasblock()
        resets = int(m1["kasblock_resets_sent_total"][0][1])
        check(f"resets sent         {resets}\n" in summary,
              f"the exit summary counts the same {resets} resets")
        run.print_ttf()
    return 0


if __name__ == "__main__":
    run_test(main)
