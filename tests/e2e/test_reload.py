#!/usr/bin/python3
"""Hot reload while clients run: a signature is added, nothing else changes.

kasblock starts with the shipped pack plus a second pack file (in the
test's temp dir, listed in the configuration) that holds no rule. While
clients keep going through kasblock:

  - a curl loop to an allowed name (a new connection per request),
  - a curl loop to updates.example.net, not barred yet,
  - a rate-limited HTTPS download of a 4 MiB file,
  - a TLS connection to updates.example.net that made one request and
    waits to make a second,

the second pack file is rewritten to bar updates.example.net and kasblock
gets SIGHUP; later `kasblockctl reload` reloads again with no change.
Then: every request of the second loop that started after the reload was
confirmed is reset (and logged with the new generation and the new
signature), every one that started before the SIGHUP passed; the first
loop never failed; the download is byte-identical; the connection passed
before the reload still works; the shipped pack still blocks as before;
and kasblock's packet counters show that nothing but the blocked flows'
packets was dropped.
"""

import json
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kbnet import (CLIENT4, HERE, SERVER4, Lab, Ledger, TestFailure, check, log,  # noqa: E402
                   check_packets, msum, run_test, sha256_file, wait_until)

NEW_NAME = "updates.example.net"
NEW_SIG = (990001, "download")
ALLOWED_LOOP = "example.com"
LOOP_MAX = 5000

PACK_V1 = "pack name=e2e-extra version=1 date=2026-11-26\n"
PACK_V2 = PACK_V1.replace("version=1", "version=2") + (
    f"block {NEW_SIG[0]} exact={NEW_NAME} category={NEW_SIG[1]} "
    "desc=\"barred by the end-to-end reload test\"\n")


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def read_loop(path):
    """{n: None (started) or (rc, local_port, seconds, body)}."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split(" ", 5)
            if p[0] == "S" and len(p) == 2:
                out.setdefault(int(p[1]), None)
            elif p[0] == "R" and len(p) >= 5:
                out[int(p[1])] = (int(p[2]), int(p[3]), float(p[4]),
                                  p[5] if len(p) > 5 else "")
    return out


def done(loop):
    return sum(1 for v in loop.values() if v is not None)


def main():
    with Lab("reload") as lab:
        lab.build_network()
        lab.make_certs()
        lab.start_nginx()
        extra_dir = f"{lab.dir}/extra-pack"
        os.makedirs(extra_dir)
        pack2 = f"{extra_dir}/e2e-extra.sig"
        write_atomic(pack2, PACK_V1)
        lab.write_config(mode="enforce", extra_sig_files=[pack2])
        lab.start_kasblock()
        lab.extra_barred = {NEW_NAME: (NEW_SIG[1], NEW_SIG[0])}
        m0 = lab.metrics()
        ev0 = len(lab.events())
        check(msum(m0, "kasblock_signature_set_generation") == 1, "generation 1 at start")

        before = Ledger(lab, "enforce", generation=1)
        before.curl_barred("https://dnl-01.geo.kaspersky.com/", "dnl-01.geo.kaspersky.com",
                           "sni")
        before.curl_allowed(f"https://{NEW_NAME}/", NEW_NAME)

        log("-- clients start")
        stop = f"{lab.dir}/loops.stop"
        loop_args = ["--cacert", lab.ca]
        loop_a, loop_b = f"{lab.dir}/loop-allowed.txt", f"{lab.dir}/loop-new.txt"
        loops = []
        for out, name in ((loop_a, ALLOWED_LOOP), (loop_b, NEW_NAME)):
            loops.append(lab.spawn(f"curl loop {name}", ["sh", f"{HERE}/curl_loop.sh", out, stop,
                                            str(LOOP_MAX)] + loop_args +
                      ["--resolve", f"{name}:443:{SERVER4}", f"https://{name}/"],
                      ns=lab.ns_cli))
        dl = f"{lab.dir}/download.bin"
        download = lab.spawn("download", [
            "curl", "-sS", "-m", "120", "--cacert", lab.ca, "--limit-rate", "1M",
            "--resolve", f"files.example.net:443:{SERVER4}", "-o", dl,
            "https://files.example.net/big.bin"], ns=lab.ns_cli,
            stdout=f"{lab.dir}/download.log")
        held, release = f"{lab.dir}/held", f"{lab.dir}/release"
        # Half of a download from the name about to be barred, then a pause
        # across both reloads, then the rest and one more request.
        holder = lab.spawn("held TLS connection", [
            "/usr/bin/python3", f"{HERE}/tls_probe.py", "--ca", lab.ca, "--name", NEW_NAME,
            "--addr", SERVER4, "--path", "/big.bin", "--hold-after", str(2 * 1024 * 1024),
            "--hold-file", held, "--release-file", release],
            ns=lab.ns_cli, stdout=f"{lab.dir}/held.json")
        wait_until("the clients to be under way", lambda: (
            done(read_loop(loop_a)) >= 3 and done(read_loop(loop_b)) >= 3
            and os.path.exists(held) and os.path.exists(dl) and os.path.getsize(dl) > 0),
            tries=200)

        log("-- reload 1: SIGHUP after adding a signature (and moving the event log away)")
        write_atomic(pack2, PACK_V2)
        old_log = lab.rotate_events()
        # Requests that had finished before SIGHUP must have passed; one in
        # flight may be decided by either set.
        finished_before = {n for n, v in read_loop(loop_b).items() if v is not None}
        lab.kb.send_signal(signal.SIGHUP)
        m = wait_until("the reload to go live", lambda: (
            (m := lab.metrics()) and msum(m, "kasblock_reload_successes_total") == 1 and m),
            tries=100)
        confirmed_at = max(read_loop(loop_b))  # requests after this one began after it
        check(msum(m, "kasblock_signature_set_generation") == 2
              and msum(m, "kasblock_reload_failures_total") == 0
              and msum(m, "kasblock_reload_attempts_total", trigger="sighup") == 1
              and msum(m, "kasblock_signatures", action="block")
              == msum(m0, "kasblock_signatures", action="block") + 1,
              "reload ok: generation 2, one more block rule")
        check(msum(m, "kasblock_event_log_reopens_total") == 1,
              "SIGHUP reopened the event log")
        dl_running = [download.poll() is None]
        log(f"   loop to {NEW_NAME}: requests 1-{max(finished_before)} finished before "
            f"SIGHUP, requests after {confirmed_at} began after the reload was live")

        wait_until("5 requests to the newly barred name after the reload", lambda: sum(
            1 for n, v in read_loop(loop_b).items() if n > confirmed_at and v) >= 5,
            tries=200)

        log("-- reload 2: kasblockctl reload, nothing changed")
        ctl_out = None
        if lab.ctl:
            r = lab.sh([lab.ctl, "-f", lab.prefix, "reload"], check_rc=False)
            ctl_out = r.stdout.strip()
            check(r.returncode == 0 and re.search(r"reload ok: generation 3\b", r.stdout),
                  f"kasblockctl reload: {ctl_out!r}")
        else:
            lab.kb.send_signal(signal.SIGHUP)
            wait_until("the second reload", lambda: msum(
                lab.metrics(), "kasblock_reload_successes_total") == 2)
        dl_running.append(download.poll() is None)
        a_mark = max(read_loop(loop_a))
        b_mark = max(read_loop(loop_b))
        wait_until("more requests after the second reload", lambda: (
            sum(1 for n, v in read_loop(loop_a).items() if n > a_mark and v) >= 3 and
            sum(1 for n, v in read_loop(loop_b).items() if n > b_mark and v) >= 3), tries=200)

        after = Ledger(lab, "enforce", generation=3)
        after.curl_barred("https://dnl-01.geo.kaspersky.com/", "dnl-01.geo.kaspersky.com",
                          "sni")
        after.curl_allowed("https://www.example.org/", "www.example.org")

        log("-- clients finish")
        with open(release, "w") as f:
            f.write("go\n")
        open(stop, "w").close()
        try:
            for p in [download, holder] + loops:
                p.wait(120)
        except Exception:
            raise TestFailure("a client did not finish")

        held_res = json.loads(open(f"{lab.dir}/held.json").read())
        check(held_res["ok"] and held_res["statuses"] == [200, 200]
              and held_res["sha256"] == lab.big_sha and held_res["body"] ==
              f"kasblock-e2e {NEW_NAME}\n",
              f"the connection to {NEW_NAME} passed before the reloads: its download, "
              f"half before and half after them, is byte-identical, and its next request "
              f"gets its page")
        check(download.returncode == 0 and sha256_file(dl) == lab.big_sha,
              f"the rate-limited download is byte-identical (still running at reload 1: "
              f"{dl_running[0]}, at reload 2: {dl_running[1]})")

        la, lb = read_loop(loop_a), read_loop(loop_b)
        bad_a = {n: v for n, v in la.items() if v is not None and
                 (v[0] != 0 or v[3] != f"kasblock-e2e {ALLOWED_LOOP}")}
        check(not bad_a and done(la) >= 10,
              f"loop to {ALLOWED_LOOP}: {done(la)} requests, none failed"
              + (f" (first bad: {sorted(bad_a.items())[0]})" if bad_a else ""))
        pre = {n: v for n, v in lb.items() if n in finished_before}
        post = {n: v for n, v in lb.items() if v is not None and n > confirmed_at}
        bad_pre = {n: v for n, v in pre.items()
                   if v[0] != 0 or v[3] != f"kasblock-e2e {NEW_NAME}"}
        check(not bad_pre, f"loop to {NEW_NAME}: all {len(pre)} requests finished before "
              f"SIGHUP passed" + (f" (not: {sorted(bad_pre.items())})" if bad_pre else ""))
        bad_post = {n: v for n, v in post.items() if v[0] not in (35, 56) or v[2] >= 1.0}
        check(post and not bad_post, f"loop to {NEW_NAME}: all {len(post)} requests begun "
              f"after the reload went live were reset, each in under 1 s"
              + (f" (not: {sorted(bad_post.items())})" if bad_post else ""))

        # Every request of the loop that failed left exactly one event, with
        # the generation that decided it; nothing else was blocked.
        events = lab.events()[ev0:]
        blocked_b = {v[1]: n for n, v in lb.items() if v is not None and v[0] != 0}
        new_ev = [e for e in events if e["name"] == NEW_NAME]
        check(sorted(e["src_port"] for e in new_ev) == sorted(blocked_b),
              f"one event per reset request to {NEW_NAME} ({len(new_ev)})")
        for e in new_ev:
            n = blocked_b[e["src_port"]]
            if not (e["signature_id"] == NEW_SIG[0] and e["category"] == NEW_SIG[1]
                    and e["action"] == "reset" and e["generation"] in (2, 3)
                    and e["src_ip"] == CLIENT4 and e["field"] == "sni"):
                raise TestFailure(f"event of request {n}: {e}")
        check(True, f"each carries signature {NEW_SIG[0]}, category {NEW_SIG[1]}, "
              f"generation 2 or 3")
        # The loop is sequential: a later request can never be decided by
        # an older generation, and one begun after `kasblockctl reload`
        # returned is decided by generation 3.
        by_n = sorted((blocked_b[e["src_port"]], e["generation"]) for e in new_ev)
        gens = [g for _, g in by_n]
        check(gens == sorted(gens) and all(g == 3 for n, g in by_n if n > b_mark),
              f"generations in request order: {gens.count(2)} x 2 then {gens.count(3)} x 3")
        with open(old_log) as f:
            old_lines = [json.loads(x) for x in f if x.strip()]
        with open(lab.events_path) as f:
            new_lines = [json.loads(x) for x in f if x.strip()]
        check(len(old_lines) == 1 and old_lines[0]["generation"] == 1
              and len(new_lines) == len(events) - 1
              and all(e["generation"] >= 2 for e in new_lines),
              f"the moved log holds the {len(old_lines)} event before SIGHUP, the reopened "
              f"file the {len(new_lines)} after it")
        others = [e for e in events if e["name"] != NEW_NAME]
        before.check_events([e for e in others if e["generation"] == 1])
        after.check_events([e for e in others if e["generation"] != 1])

        m1 = lab.metrics()

        def d(name, **labels):
            return msum(m1, name, **labels) - msum(m0, name, **labels)
        nblocked = len(events)
        check(d("kasblock_flows_blocked_total", category=NEW_SIG[1]) == len(new_ev)
              and d("kasblock_flows_blocked_total") == nblocked,
              f"kasblock_flows_blocked_total: +{len(new_ev)} {NEW_SIG[1]}, "
              f"+{nblocked} in all")
        check(d("kasblock_signature_flows_blocked_total", signature_id=NEW_SIG[0])
              == len(new_ev), f"kasblock_signature_flows_blocked_total"
              f"{{signature_id=\"{NEW_SIG[0]}\"}} +{len(new_ev)}")
        check(msum(m1, "kasblock_reload_successes_total") == 2
              and msum(m1, "kasblock_reload_failures_total") == 0
              and msum(m1, "kasblock_signature_set_generation") == 3,
              "two reloads, no failure, generation 3")
        check_packets(m1, lab)
        lab.stop_kasblock()
        log(f"loop to {ALLOWED_LOOP}: {done(la)} requests; loop to {NEW_NAME}: "
            f"{len(pre)} passed before, {len(post)} reset after the reload")
    return 0


if __name__ == "__main__":
    run_test(main)
