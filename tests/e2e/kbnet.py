"""End-to-end harness: real clients and servers through a real kasblock.

Each test builds its own little network and tears it down again:

    client netns                 root netns (kasblock)               server netns
    kbin 198.51.100.10  ==veth==  kb<tag>c  [net_af_packet0]
         2001:db8:100::10                      | inline pair |
                                   kb<tag>s  [net_af_packet1]  ==veth==  kbin 198.51.100.20
                                                                          2001:db8:100::20
                                                                          nginx :80 :443
                                                                          CONNECT proxy :3128

kasblock bridges the two outer ends, so client and server share one
on-link subnet and neither namespace has a route anywhere else. Names
are mapped with namespace-local hosts files (/etc/netns/<ns>/hosts) and
`curl --resolve`; nothing is ever resolved for real. Addresses come only
from the documentation ranges (198.51.100.0/24, 2001:db8::/32).

Every name (namespaces, interfaces, the DPDK file prefix, the temp dir)
carries a per-run tag, so runs may overlap. Everything is undone in
reverse order by Lab.close(), which runs on normal exit, on an exception
and on SIGINT/SIGTERM/SIGHUP. Nothing waits on a clock to decide an
outcome: readiness is polled with bounded retries (wait_until).

Environment (set by tests/e2e/meson.build): KB_BIN (kasblock), KB_CTL
(kasblockctl, optional), KB_SRC (source root).
"""

import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77

CLIENT4 = "198.51.100.10"
SERVER4 = "198.51.100.20"
CLIENT6 = "2001:db8:100::10"
SERVER6 = "2001:db8:100::20"
PROXY_PORT = 3128
INNER_IF = "kbin"

# Names the server answers for; the hosts files map each to the server's
# address of its family. Barred names come with what the shipped pack says
# about them (signatures/pack: category, signature id); each test uses a
# barred name for one client only, so every event line can be traced to
# the request that caused it.
# updates.example.net is what the reload test bars while clients run.
ALLOWED = ["example.com", "www.example.org", "files.example.net", "updates.example.net"]
ALLOWED6 = ["ipv6.example.com"]
BARRED = {
    "dnl-01.geo.kaspersky.com": ("update", 1011),
    "my.kaspersky.com": ("storefront", 5001),
    "download.kaspersky.com": ("download", 2007),
    "ds.kaspersky.com": ("download", 2008),
    "activation.kaspersky.com": ("licensing", 3003),
    "keyfile.kaspersky.com": ("licensing", 3004),
    "crl.kaspersky.com": ("licensing", 3005),
    "kav8.zonealarm.com": ("oem", 7001),
    "ksn-url-geo.kaspersky-labs.com": ("telemetry", 4011),
}
BARRED6 = {
    "dnl-02.geo.kaspersky.com": ("update", 1012),
    "products.kaspersky-labs.com": ("download", 2004),
}
BIG_FILE = "big.bin"
BIG_SIZE = 4 * 1024 * 1024 + 123  # not a multiple of any segment size

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("KB_SRC", os.path.abspath(os.path.join(HERE, "..", "..")))


class TestFailure(Exception):
    pass


def log(msg):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)
    log("ok   " + msg)


def wait_until(what, fn, tries=100, pause=0.1):
    """Polls fn() until it returns a true value; bounded by tries.

    The pause only spaces the polls; the outcome is what fn returns.
    """
    last = None
    for _ in range(tries):
        try:
            last = fn()
        except TestFailure:  # the probe knows it never will
            raise
        except Exception as e:  # a probe that cannot answer yet
            last = None
            err = e
        else:
            err = None
        if last:
            return last
        time.sleep(pause)
    raise TestFailure(f"timed out waiting for {what}" + (f" ({err})" if err else ""))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def need_tools(*names):
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        raise TestFailure("missing tools (scripts/install-deps.sh installs them): "
                          + " ".join(missing))


def free_port():
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- Prometheus text format ----------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{name: [(labels dict, value), ...]} from an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = dict(_LABEL.findall(m.group(3) or ""))
        out.setdefault(m.group(1), []).append((labels, float(m.group(4))))
    return out


def msum(metrics, name, **labels):
    """Sum of the samples of one family whose labels include `labels`."""
    total = 0.0
    for lab, v in metrics.get(name, []):
        if all(lab.get(k) == str(want) for k, want in labels.items()):
            total += v
    return total


class Lab:
    """One test's namespaces, veths, servers and kasblock; close() undoes all."""

    def __init__(self, name):
        if os.geteuid() != 0:
            log(f"SKIP {name}: needs root (network namespaces, veth, DPDK)")
            sys.exit(SKIP)
        self.name = name
        self.tag = "%05d%02x" % (os.getpid() % 100000, random.randrange(256))
        self.ns_cli = f"kbe{self.tag}c"
        self.ns_srv = f"kbe{self.tag}s"
        self.out_cli = f"kb{self.tag}c"  # outer ends, in the root namespace
        self.out_srv = f"kb{self.tag}s"
        self.prefix = f"kbe2e{self.tag}"
        self.dir = tempfile.mkdtemp(prefix=f"kb-e2e-{name}-")
        os.chmod(self.dir, 0o755)
        self.bin = os.environ.get("KB_BIN", "")
        self.ctl = os.environ.get("KB_CTL", "")
        self._undo = []
        self.kb = None
        self.kb_conf = None
        self.metrics_port = None
        self.events_path = os.path.join(self.dir, "events.json")
        self.rotated = []
        self._closed = False
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, self._on_signal)

    # -- lifetime --

    def _on_signal(self, signum, _frame):
        raise SystemExit(128 + signum)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def undo(self, what, fn):
        self._undo.append((what, fn))

    def close(self):
        if self._closed:
            return
        self._closed = True
        # No second interruption may cut the teardown short.
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        while self._undo:
            what, fn = self._undo.pop()
            try:
                fn()
            except Exception as e:
                log(f"cleanup: {what}: {e}")
        if os.environ.get("KB_E2E_KEEP"):
            log(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- commands --

    def sh(self, argv, check_rc=True, timeout=60, **kw):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
        if check_rc and r.returncode != 0:
            raise TestFailure(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
        return r

    def ns(self, ns, argv, check_rc=False, timeout=60, **kw):
        return self.sh(["ip", "netns", "exec", ns] + list(argv), check_rc=check_rc,
                       timeout=timeout, **kw)

    def cli(self, argv, **kw):
        return self.ns(self.ns_cli, argv, **kw)

    def spawn(self, what, argv, ns=None, stdout=None, stderr=None, **kw):
        """Starts a process we own; close() stops it (TERM, then KILL)."""
        if ns is not None:
            argv = ["ip", "netns", "exec", ns] + list(argv)
        out = open(stdout, "ab") if stdout else subprocess.DEVNULL
        err = open(stderr, "ab") if stderr else subprocess.STDOUT if stdout else \
            subprocess.DEVNULL
        p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, **kw)

        def stop():
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        self.undo(f"stop {what} (pid {p.pid})", stop)
        return p

    # -- network --

    def build_network(self):
        """Two namespaces, two veth pairs; the outer ends wait for kasblock."""
        need_tools("ip", "ethtool")
        for ns in (self.ns_cli, self.ns_srv):
            self.sh(["ip", "netns", "add", ns])
            self.undo(f"netns {ns}", lambda ns=ns: self._del_netns(ns))
        for outer, ns, addr4, addr6 in ((self.out_cli, self.ns_cli, CLIENT4, CLIENT6),
                                        (self.out_srv, self.ns_srv, SERVER4, SERVER6)):
            self.sh(["ip", "link", "add", outer, "type", "veth", "peer", "name", INNER_IF,
                     "netns", ns])
            # Deleting the namespace deletes the pair too; this is for a
            # failure before that point.
            self.undo(f"veth {outer}", lambda o=outer: self.sh(
                ["ip", "link", "del", o], check_rc=False) if os.path.exists(
                    f"/sys/class/net/{o}") else None)
            # The outer end carries no address and sends nothing of its own.
            self.sh(["sysctl", "-qw", f"net.ipv6.conf.{outer}.disable_ipv6=1"])
            self.sh(["ip", "link", "set", outer, "up"])
            # Frames bridged by net_af_packet keep whatever checksum the
            # sender left; with TX checksum offload on, that is a partial
            # one the far end drops. Off on both ends (it also turns TSO off,
            # so no frame is larger than the MTU). GRO off where kasblock
            # reads: a merged frame is longer than an af_packet frame slot
            # (2048 bytes) and would reach kasblock cut short.
            self.sh(["ethtool", "-K", outer, "tx", "off", "gro", "off"])
            script = (f"set -e; ip link set lo up; ip link set {INNER_IF} up; "
                      f"ethtool -K {INNER_IF} tx off >/dev/null; "
                      f"ip addr add {addr4}/24 dev {INNER_IF}; "
                      f"ip -6 addr add {addr6}/64 dev {INNER_IF} nodad")
            self.ns(ns, ["sh", "-c", script], check_rc=True)
            # On-link routes only: nothing in here can reach past the bridge.
            routes = self.ns(ns, ["sh", "-c", "ip -4 route show default; "
                                  "ip -6 route show default"], check_rc=True).stdout
            if routes.strip():
                raise TestFailure(f"namespace {ns} has a default route: {routes}")
        self._hosts()

    def _del_netns(self, ns):
        # Whatever still runs in our own namespace was started by this test
        # (a browser's helpers, a client cut off by a failure): end it by pid.
        r = self.sh(["ip", "netns", "pids", ns], check_rc=False)
        pids = [int(p) for p in r.stdout.split() if p.isdigit()]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            if sig == signal.SIGTERM and pids:
                for _ in range(50):
                    if not any(os.path.exists(f"/proc/{p}") for p in pids):
                        break
                    time.sleep(0.05)
        self.sh(["ip", "netns", "del", ns], check_rc=False)

    def _hosts(self):
        lines = [f"127.0.0.1 localhost", f"::1 localhost ip6-localhost"]
        for n in ALLOWED + list(BARRED):
            lines.append(f"{SERVER4} {n}")
        for n in ALLOWED6 + list(BARRED6):
            lines.append(f"{SERVER6} {n}")
        for ns in (self.ns_cli, self.ns_srv):
            d = f"/etc/netns/{ns}"
            os.makedirs(d, exist_ok=True)
            self.undo(f"remove {d}", lambda d=d: shutil.rmtree(d, ignore_errors=True))
            with open(f"{d}/hosts", "w") as f:
                f.write("\n".join(lines) + "\n")
            # No resolver anywhere: a name missing from hosts fails at once.
            with open(f"{d}/resolv.conf", "w") as f:
                f.write("nameserver 127.0.0.1\noptions attempts:1 timeout:1\n")

    # -- servers --

    def make_certs(self):
        """A throwaway CA and one server certificate for every name (SAN)."""
        need_tools("openssl")
        d = self.dir
        self.ca = f"{d}/ca.pem"
        self.sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-keyout", f"{d}/ca.key", "-out", self.ca, "-subj", "/CN=kasblock e2e CA"])
        names = ALLOWED + list(BARRED) + ALLOWED6 + list(BARRED6)
        san = ",".join(f"DNS:{n}" for n in names) + f",IP:{SERVER4},IP:{SERVER6}"
        self.sh(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
                 f"{d}/server.key", "-out", f"{d}/server.csr", "-subj", "/CN=example.com"])
        with open(f"{d}/ext.cnf", "w") as f:
            f.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n")
        self.sh(["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", self.ca,
                 "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-days", "2", "-extfile",
                 f"{d}/ext.cnf", "-out", f"{d}/server.pem"])

    def start_nginx(self):
        """nginx in the server namespace: HTTP and HTTPS on both families.

        GET / answers "kasblock-e2e <host>" so a client can tell it reached
        the right virtual name; /big.bin is a random file for checksums.
        """
        need_tools("nginx")
        d = self.dir
        www = f"{d}/www"
        os.makedirs(f"{d}/nginx-tmp", exist_ok=True)
        os.makedirs(www, exist_ok=True)
        self.big = f"{www}/{BIG_FILE}"
        with open(self.big, "wb") as f:
            f.write(os.urandom(BIG_SIZE))
        self.big_sha = sha256_file(self.big)
        conf = f"""
user root;
daemon off;
master_process on;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {d}/nginx-access.log;
    client_body_temp_path {d}/nginx-tmp;
    proxy_temp_path {d}/nginx-tmp;
    fastcgi_temp_path {d}/nginx-tmp;
    uwsgi_temp_path {d}/nginx-tmp;
    scgi_temp_path {d}/nginx-tmp;
    default_type application/octet-stream;
    keepalive_timeout 30s;
    server {{
        listen {SERVER4}:80;
        listen [{SERVER6}]:80;
        listen {SERVER4}:443 ssl;
        listen [{SERVER6}]:443 ssl;
        server_name _;
        ssl_certificate {d}/server.pem;
        ssl_certificate_key {d}/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root {www};
        location = / {{ default_type text/plain; return 200 "kasblock-e2e $host\\n"; }}
    }}
}}
"""
        with open(f"{d}/nginx.conf", "w") as f:
            f.write(conf)
        self.spawn("nginx", ["nginx", "-c", f"{d}/nginx.conf", "-e", f"{d}/nginx-error.log"],
                   ns=self.ns_srv, stdout=f"{d}/nginx.out")
        # Listening is checked from inside the server namespace, not through
        # kasblock, so this does not depend on the bridge.
        wait_until("nginx to listen", lambda: self.ns(self.ns_srv, [
            "curl", "-sS", "-m", "2", "-o", "/dev/null", f"http://{SERVER4}/"]).returncode == 0)

    def start_proxy(self):
        ready = f"{self.dir}/proxy.ready"
        self.spawn("connect proxy", ["/usr/bin/python3", f"{HERE}/connect_proxy.py",
                                     SERVER4, str(PROXY_PORT), ready],
                   ns=self.ns_srv, stdout=f"{self.dir}/proxy.out")
        wait_until("the CONNECT proxy to listen", lambda: os.path.exists(ready))

    # -- kasblock --

    def write_config(self, path=None, mode="enforce", extra_sig_files=(), metrics=True,
                     extra=""):
        path = path or f"{self.dir}/kasblock.conf"
        sig_files = [f"{SRC}/signatures/pack"] + list(extra_sig_files)
        eal = ["-l", "0-1", "--no-huge", "-m", "512", "--no-pci",
               f"--file-prefix={self.prefix}",
               "--vdev", f"net_af_packet0,iface={self.out_cli}",
               "--vdev", f"net_af_packet1,iface={self.out_srv}"]
        q = lambda xs: ", ".join(json.dumps(x) for x in xs)
        text = f"""# written by tests/e2e/kbnet.py for one test run
eal = {{ args = [ {q(eal)} ]; }};
ports = {{
  pairs = ( [ "net_af_packet0", "net_af_packet1" ] );
  rx_desc = 512;
  tx_desc = 512;
  mbufs = 8191;
}};
workers = {{ count = 1; }};
flows = {{ capacity = 16384; }};
inspection = {{ pool_slots = 256; frag_flows = 64; }};
signatures = {{ files = [ {q(sig_files)} ]; }};
policy = {{ mode = "{mode}"; }};
events = {{ file = "{self.events_path}"; }};
"""
        if metrics:
            # Port 0: the kernel picks a free one, kasblock logs which.
            text += 'metrics = { enabled = true; address = "127.0.0.1"; port = 0; };\n'

        text += extra
        with open(path, "w") as f:
            f.write(text)
        self.kb_conf = path
        return path

    def start_kasblock(self, conf=None):
        """Starts kasblock and waits until /metrics answers and a request crosses.

        DPDK 22.11's net_af_packet joins each socket to PACKET_FANOUT group
        (pid ^ ifindex) & 0xffff; two DPDK processes in one namespace can
        draw the same group for different interfaces, and the second then
        fails to probe its port. That is retried with a new process (a new
        pid); any other failure is not.
        """
        for attempt in range(3):
            try:
                return self._start_kasblock(conf)
            except TestFailure as e:
                if "PACKET_FANOUT" not in str(e) or attempt == 2:
                    raise
                log("kasblock: af_packet fanout group taken by another process, retrying")

    def _start_kasblock(self, conf=None):
        conf = conf or self.kb_conf
        r = self.sh([self.bin, "-c", conf, "--check"], check_rc=False)
        if r.returncode != 0:
            raise TestFailure(f"kasblock --check: {r.stdout}{r.stderr}")
        self.kb_out = f"{self.dir}/kasblock.out"
        self.kb_err = f"{self.dir}/kasblock.err"
        for f in (self.kb_out, self.kb_err):
            if os.path.exists(f):
                os.unlink(f)
        self.kb = self.spawn("kasblock", [self.bin, "-c", conf], stdout=self.kb_out,
                             stderr=self.kb_err)
        self.undo("remove DPDK runtime dir", lambda: shutil.rmtree(
            f"/var/run/dpdk/{self.prefix}", ignore_errors=True))

        def up():
            if self.kb.poll() is not None:
                raise TestFailure(f"kasblock exited {self.kb.returncode}: "
                                  + open(self.kb_err).read()[-2000:])
            m = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics",
                          open(self.kb_err).read())
            if m is None:
                return False
            self.metrics_port = int(m.group(1))
            return self.metrics_text() is not None
        wait_until("kasblock's /metrics", up, tries=200)
        # The bridge forwards once a request crosses it (ARP/ND included).
        self.wait_bridge()

    def wait_bridge(self):
        def probe():
            if self.kb.poll() is not None:
                raise TestFailure(f"kasblock exited {self.kb.returncode}")
            return self.cli(["curl", "-sS", "-o", "/dev/null", "--connect-timeout", "1",
                             "-m", "3", f"http://{SERVER4}/"]).returncode == 0
        wait_until("a request through the bridge", probe, tries=30, pause=0.2)

    def stop_kasblock(self):
        """SIGTERM: kasblock drains the event rings, prints the summary, exits 0."""
        self.kb.terminate()
        try:
            rc = self.kb.wait(30)
        except subprocess.TimeoutExpired:
            raise TestFailure("kasblock did not stop within 30 s of SIGTERM")
        check(rc == 0, f"kasblock exits 0 on SIGTERM (got {rc})")
        return open(self.kb_out).read()

    def metrics_text(self):
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2) as r:
                return r.read().decode()
        except OSError:
            return None

    def metrics(self):
        t = self.metrics_text()
        if t is None:
            raise TestFailure("/metrics does not answer")
        return parse_metrics(t)

    def wait_events(self, since, n):
        """The events after the first `since`, once there are at least n of them."""
        return wait_until(f"{n} event lines", lambda: len(self.events()) - since >= n
                          and self.events()[since:], tries=100)

    def events(self):
        """Every event line so far: rotated files first, then the live one."""
        out = []
        for path in self.rotated + [self.events_path]:
            if os.path.exists(path):
                with open(path) as f:
                    out += [json.loads(line) for line in f if line.strip()]
        return out

    def rotate_events(self):
        """What logrotate does before its postrotate SIGHUP: move the file."""
        path = f"{self.events_path}.{len(self.rotated) + 1}"
        os.rename(self.events_path, path)
        self.rotated.append(path)
        return path

    # -- clients --

    def curl(self, url, name=None, addr=SERVER4, port=None, extra=(), timeout=10,
             out="-"):
        """curl from the client namespace; returns a dict of what happened."""
        argv = ["curl", "-sS", "-m", str(timeout), "--cacert", self.ca, "-o", out,
                "-w", "\n%{exitcode} %{local_port} %{time_total} %{size_download}"]
        if name is not None:
            p = port or (443 if url.startswith("https") else 80)
            a = f"[{addr}]" if ":" in addr else addr
            argv += ["--resolve", f"{name}:{p}:{a}"]
        argv += list(extra) + [url]
        t0 = time.monotonic()
        r = self.cli(argv, timeout=timeout + 10)
        elapsed = time.monotonic() - t0
        body, _, tail = r.stdout.rpartition("\n")
        fields = tail.split()
        return {
            "rc": r.returncode,
            "body": body,
            "err": r.stderr.strip(),
            "local_port": int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0,
            "time": float(fields[2]) if len(fields) > 2 else elapsed,
            "size": int(float(fields[3])) if len(fields) > 3 else 0,
        }

    def chromium(self, url, timeout=40):
        """Debian's headless Chromium in the client namespace, --dump-dom.

        Every name resolves to the server (--host-resolver-rules), so the
        browser's own background requests land on our nginx too.
        """
        need_tools("chromium")
        udd = tempfile.mkdtemp(prefix="chromium-", dir=self.dir)
        argv = ["timeout", "-k", "5", str(timeout), "chromium", "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", f"--user-data-dir={udd}", "--ignore-certificate-errors",
                f"--host-resolver-rules=MAP * {SERVER4}", "--dump-dom", url]
        return self.cli(argv, timeout=timeout + 20)

    def capture(self, iface, bpf, path):
        """tcpdump on an outer veth end; returns once it listens."""
        need_tools("tcpdump")
        err = path + ".err"
        p = self.spawn("tcpdump", ["tcpdump", "-i", iface, "-n", "-U", "-w", path, bpf],
                       stderr=err)
        wait_until("tcpdump to listen",
                   lambda: os.path.exists(err) and "listening on" in open(err).read())
        return p

    @staticmethod
    def stop_capture(p):
        p.terminate()
        p.wait(10)


def pcap_tcp(path):
    """[(src, sport, dst, dport, seq, flags, payload)] of the TCP frames of a pcap.

    Ethernet (optionally one VLAN tag), IPv4 or IPv6 without extension
    headers: what the tests' own clients send.
    """
    import struct
    out = []
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1" or magic == b"\x4d\x3c\xb2\xa1":
        e = "<"
    elif magic == b"\xa1\xb2\xc3\xd4" or magic == b"\xa1\xb2\x3c\x4d":
        e = ">"
    else:
        raise TestFailure(f"{path}: not a pcap file")
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
        fr = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if len(fr) < 14:
            continue
        et = fr[12] << 8 | fr[13]
        l3 = 14
        if et == 0x8100 and len(fr) >= 18:
            et = fr[16] << 8 | fr[17]
            l3 = 18
        if et == 0x0800 and len(fr) >= l3 + 20 and fr[l3 + 9] == 6:
            ihl = (fr[l3] & 15) * 4
            tot = fr[l3 + 2] << 8 | fr[l3 + 3]
            src = socket.inet_ntop(socket.AF_INET, fr[l3 + 12:l3 + 16])
            dst = socket.inet_ntop(socket.AF_INET, fr[l3 + 16:l3 + 20])
            l4, end = l3 + ihl, l3 + tot
        elif et == 0x86DD and len(fr) >= l3 + 40 and fr[l3 + 6] == 6:
            plen = fr[l3 + 4] << 8 | fr[l3 + 5]
            src = socket.inet_ntop(socket.AF_INET6, fr[l3 + 8:l3 + 24])
            dst = socket.inet_ntop(socket.AF_INET6, fr[l3 + 24:l3 + 40])
            l4, end = l3 + 40, l3 + 40 + plen
        else:
            continue
        if len(fr) < l4 + 20:
            continue
        sport, dport, seq = struct.unpack(">HHI", fr[l4:l4 + 8])
        doff = (fr[l4 + 12] >> 4) * 4
        flags = fr[l4 + 13]
        out.append((src, sport, dst, dport, seq, flags, fr[l4 + doff:end]))
    return out


def client_hello_segments(frames, sport):
    """How many TCP segments carried the first TLS record of a client flow.

    Returns (segments, record bytes), (0, 0) while the capture does not
    hold the whole record yet; retransmissions are counted once.
    """
    segs = {}
    base = None
    for _, sp, _, _, seq, _, payload in frames:
        if sp == sport and payload:
            if base is None:
                base = seq  # the first data in capture order opens the stream
            segs.setdefault((seq - base) & 0xFFFFFFFF, payload)
    if not segs:
        return 0, 0
    order = sorted(segs)
    first = segs[order[0]]
    if len(first) < 5 or first[0] != 0x16:
        return 0, 0
    need = 5 + (first[3] << 8 | first[4])
    got, n = 0, 0
    for seq in order:
        if got >= need:
            break
        got += len(segs[seq])
        n += 1
    return (n, need) if got >= need else (0, 0)


# ---- what the tests expect of kasblock ------------------------------------

# A barred request must fail by the injected reset, long before any timeout.
RESET_DEADLINE = 1.0
CURL_RESET_RCS = (35, 56)  # TLS connect error / receive failure: both "reset by peer"


class Ledger:
    """The requests a test made through kasblock and the events they owe.

    mode "enforce": a barred name must be reset at once (and logged as a
    block); "monitor": it must pass untouched (and be logged as a monitor).
    """

    def __init__(self, lab, mode="enforce", generation=1):
        self.lab = lab
        self.mode = mode
        self.generation = generation
        self.expect = []
        self.ttf = []  # (client, what, seconds to failure)

    def owe(self, name, field, dport, sport=None, v6=False, many=False, generation=None):
        cat, sig = {**BARRED, **BARRED6, **getattr(self.lab, "extra_barred", {})}[name]
        block = self.mode == "enforce"
        self.expect.append({
            "event": "block" if block else "monitor",
            "src_ip": CLIENT6 if v6 else CLIENT4, "dest_ip": SERVER6 if v6 else SERVER4,
            "dest_port": dport, "proto": "TCP", "field": field, "name": name,
            "signature_id": sig, "category": cat,
            "action": "reset" if block else "monitor", "reason": "signature",
            "policy": "configured" if block else "monitor_mode",
            "generation": generation or self.generation,
            "src_port": sport, "many": many})

    def _curl(self, url, name, v6, proxy, **kw):
        extra = ["-x", f"http://{SERVER4}:{PROXY_PORT}"] if proxy else []
        return self.lab.curl(url, None if proxy else name, addr=SERVER6 if v6 else SERVER4,
                             extra=extra, **kw)

    def curl_barred(self, url, name, field, v6=False, proxy=False):
        r = self._curl(url, name, v6, proxy)
        via = " via the proxy" if proxy else ""
        if self.mode == "enforce":
            check(r["rc"] in CURL_RESET_RCS and "reset by peer" in r["err"],
                  f"curl {url}{via}: reset (exit {r['rc']}, {r['err']!r})")
            check(r["time"] < RESET_DEADLINE,
                  f"curl {url}: failed after {r['time'] * 1000:.1f} ms (< {RESET_DEADLINE} s)")
            self.ttf.append(("curl", url, r["time"]))
        else:
            check(r["rc"] == 0 and r["body"] == f"kasblock-e2e {name}\n",
                  f"curl {url}{via}: passes in monitor mode (exit {r['rc']}, {r['err']!r})")
        dport = PROXY_PORT if proxy else (443 if url.startswith("https") else 80)
        self.owe(name, field, dport, sport=r["local_port"], v6=v6)
        return r

    def curl_allowed(self, url, name, v6=False, proxy=False):
        r = self._curl(url, name, v6, proxy)
        check(r["rc"] == 0 and r["body"] == f"kasblock-e2e {name}\n",
              f"curl {url}{' via the proxy' if proxy else ''}: passes with its body "
              f"(exit {r['rc']}, {r['err']!r})")
        return r

    def curl_download(self, url, name, v6=False, extra=()):
        lab = self.lab
        out = tempfile.mktemp(prefix="dl-", dir=lab.dir)
        r = lab.curl(url, name, addr=SERVER6 if v6 else SERVER4, out=out, timeout=60,
                     extra=extra)
        got = sha256_file(out) if r["rc"] == 0 else None
        if os.path.exists(out):
            os.unlink(out)
        check(got == lab.big_sha, f"curl {url}: {r['size']} bytes, sha256 identical "
              f"(exit {r['rc']} {r['err']!r})")

    # -- at the end --

    def check_events(self, events):
        """Every owed event is there with every field; nothing else is."""
        seen = set()
        for x in self.expect:
            mine = [e for e in events if e.get("name") == x["name"]
                    and (x["src_port"] is None or e["src_port"] == x["src_port"])]
            want = {k: v for k, v in x.items() if k != "many" and v is not None}
            bad = [e for e in mine if any(e.get(k) != v for k, v in want.items())]
            n = "at least one" if x["many"] else "exactly one"
            check(mine and not bad and (x["many"] or len(mine) == 1),
                  f"{n} {x['event']} event for {x['name']} ({x['field']}, port "
                  f"{x['dest_port']}, {x['category']}/{x['signature_id']}, generation "
                  f"{x['generation']}): {len(mine)}" + (f", wrong: {bad[0]}" if bad else ""))
            seen.update(id(e) for e in mine)
        extra = [e for e in events if id(e) not in seen]
        check(not extra, "no event without a barred request"
              + (f" (first extra: {extra[0]})" if extra else ""))

    def check_counters(self, m0, events):
        """The verdict counters moved by exactly what the events say."""
        lab = self.lab
        fam = "blocked" if self.mode == "enforce" else "monitored"
        other = "monitored" if fam == "blocked" else "blocked"
        per_cat, per_sig = {}, {}
        for e in events:
            per_cat[e["category"]] = per_cat.get(e["category"], 0) + 1
            per_sig[e["signature_id"]] = per_sig.get(e["signature_id"], 0) + 1
        n = len(events)

        def settled():
            m = lab.metrics()
            return all(msum(m, f"kasblock_flows_{fam}_total", category=c)
                       - msum(m0, f"kasblock_flows_{fam}_total", category=c) == k
                       for c, k in per_cat.items()) and m
        m1 = wait_until("the counters to count every decided flow", settled)

        def delta(name, **labels):
            return msum(m1, name, **labels) - msum(m0, name, **labels)
        for c, k in sorted(per_cat.items()):
            check(delta(f"kasblock_flows_{fam}_total", category=c) == k,
                  f"kasblock_flows_{fam}_total{{category=\"{c}\"}} +{k}")
        check(delta(f"kasblock_flows_{fam}_total") == n,
              f"kasblock_flows_{fam}_total +{n} over all categories")
        for s, k in sorted(per_sig.items()):
            check(delta(f"kasblock_signature_flows_{fam}_total", signature_id=s) == k,
                  f"kasblock_signature_flows_{fam}_total{{signature_id=\"{s}\"}} +{k}")
        check(delta(f"kasblock_flows_{other}_total") == 0, f"no flow {other}")
        resets = 2 * n if fam == "blocked" else 0
        check(delta("kasblock_resets_sent_total") == resets,
              f"kasblock_resets_sent_total +{resets}")
        check(delta("kasblock_events_total") == n, f"kasblock_events_total +{n}")
        check(delta("kasblock_events_written_total") == n,
              f"kasblock_events_written_total +{n}")
        check(delta("kasblock_events_dropped_total") == 0, "no event dropped")
        check_packets(m1, lab)
        return m1

    def print_ttf(self):
        if self.ttf:
            log("time to failure of barred requests:")
            for who, what, t in self.ttf:
                log(f"  {who:10s} {what:45s} {t * 1000:7.1f} ms")


def packet_balance(m):
    polled = msum(m, "kasblock_port_packets_polled_total")
    sent = msum(m, "kasblock_port_packets_sent_total")
    blocked = msum(m, "kasblock_flows_blocked_total") + msum(
        m, "kasblock_flows_blocked_by_policy_total")
    dropped = msum(m, "kasblock_packets_blocked_dropped_total")
    resets = msum(m, "kasblock_resets_sent_total")
    return (sent == polled - blocked - dropped + resets,
            f"packets: {sent:.0f} out = {polled:.0f} in - {blocked:.0f} completing barred "
            f"names - {dropped:.0f} of blocked flows + {resets:.0f} resets")


def check_packets(m, lab=None):
    """No packet lost inside kasblock but those of blocked flows.

    Every packet a worker took is sent on, or is the one that completed a
    barred name (one per blocked flow: dropped so the server never sees
    it), or a later packet of a blocked flow; the resets are added. The
    device counters say nothing was missed or refused either.

    A snapshot can fall while a burst is between RX and TX (a stray ACK, a
    neighbour probe): with a lab, the balance is polled until it holds,
    and a packet really lost keeps it from ever holding.
    """
    ok, what = packet_balance(m)
    if not ok and lab is not None:
        last = [what]

        def balanced():
            ok_, last[0] = packet_balance(lab.metrics())
            return ok_
        try:
            wait_until("the packet balance", balanced, tries=50)
            ok, what = True, last[0]
        except TestFailure:
            what = last[0]
    check(ok, what)
    for fam in ("kasblock_port_rx_missed_total", "kasblock_port_rx_errors_total",
                "kasblock_port_tx_errors_total", "kasblock_port_rx_nombuf_total",
                "kasblock_port_packets_refused_total"):
        check(msum(m, fam) == 0, f"{fam} 0")


def run_test(main):
    """Runs main() and turns a TestFailure into exit 1 with one FAIL line."""
    try:
        sys.exit(main())
    except TestFailure as e:
        log(f"FAIL {e}")
        sys.exit(1)
