#!/usr/bin/env python3
"""`knead serve` under load (standard library only): the scenario of
tests/it/load.rs at a scale of your choosing, with figures instead of asserts.

    cp -r site.yaml content themes /dev/shm/kb/
    python3 benches/serve_load.py --site /dev/shm/kb [--knead target/release/knead] \
        [--page content/types/swedish.md] [--requests 10000] [--edits 100] \
        [--full-every 10] [--threads 6] [--concurrent 200] [--slow 50]

Run it on a copy of a site: the page is edited and restored afterwards. Its
description, if it has one, must be on one line; its URL is taken from its
path (no `slug:`).
Starts `knead serve --root SITE --port 0` on 127.0.0.1, then:

1. opens --concurrent connections at once, each asking for the page;
2. opens --slow connections that send part of a request head and never the
   rest, and times how long the server keeps each before dropping it;
3. edits the page --edits times (saved like editors do, through a temporary
   file renamed over it; the body alternates between two versions and every
   --full-every-th edit changes the front matter too, which is a full build
   swapping the output folder) while --threads client threads send
   --requests GETs in total (half of them over keep-alive connections, half
   on a new connection each) for the page, the home page, its section, the
   stylesheet and the search index, spread over the rebuilds.

Every answer is checked: status 200, a complete body (Content-Length), HTML
ending in </html>, exactly one version of the page. Prints error counts by
kind, request latency percentiles, save-to-served times, and the server's RSS
after the first build, after the run and at its peak.
"""
import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

BODIES = ("Load benchmark body one.", "Load benchmark body two.")
DESCRIPTIONS = ("Load benchmark description one.", "Load benchmark description two.")


def read_port(proc):
    for line in proc.stdout:
        if line.startswith("serving "):
            return int(line.rsplit(":", 1)[1].split("/", 1)[0])
    sys.exit("knead serve stopped before serving")


def proc_status(pid, key):
    """A size in KiB from /proc/<pid>/status (Linux), or 0."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def page_url(page):
    """content/types/swedish.md -> /types/swedish/ (no `slug:` override)."""
    rel = page.split("content/", 1)[1][: -len(".md")]
    parts = [p for p in rel.split("/") if p not in ("index", "_index")]
    return "/" + "".join(p + "/" for p in parts)


def edited(original, edit, full_every):
    """The page as saved by edit number `edit`."""
    _, front, body = original.split("---\n", 2)
    lines = [l for l in front.splitlines() if not l.startswith("description:")]
    lines.append(f'description: "{DESCRIPTIONS[(edit // full_every) % 2]}"')
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n" + BODIES[edit % 2] + "\n"


def save(path, text):
    temporary = path + ".tmp"  # knead ignores *.tmp
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def percentiles(values):
    if not values:
        return "none"
    ms = sorted(v * 1000 for v in values)
    pick = lambda q: ms[min(len(ms) - 1, int(len(ms) * q))]
    return (f"p50 {pick(0.5):.1f} ms, p90 {pick(0.9):.1f} ms, "
            f"p99 {pick(0.99):.1f} ms, max {ms[-1]:.1f} ms")


class Checker:
    """Judges answers; counts errors by kind (thread-safe)."""

    def __init__(self, url):
        self.url = url
        self.lock = threading.Lock()
        self.errors = {}
        self.examples = []
        self.css = None

    def error(self, kind, detail):
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.examples) < 5:
                self.examples.append(f"{kind}: {detail}")

    def check(self, path, status, body):
        if status != 200:
            return self.error(f"status {status}", f"GET {path}")
        if path.endswith(".json"):
            try:
                index = json.loads(body)
                entry = next(p for p in index["pages"] if p["url"] == self.url)
            except (ValueError, KeyError, StopIteration) as err:
                return self.error("bad search index", repr(err))
            return self.one_version(path, entry["body"] + entry["description"])
        text = body.decode("utf-8", "replace")
        if path.endswith(".css"):
            with self.lock:
                self.css = self.css or text
            if text != self.css:
                self.error("wrong content", f"GET {path} differs")
            return None
        if not text.rstrip().endswith("</html>"):
            return self.error("cut short", f"GET {path} ends {text[-60:]!r}")
        if path == self.url:
            return self.one_version(path, text)
        return None

    def one_version(self, path, text):
        for variants in (BODIES, DESCRIPTIONS):
            if sum(v in text for v in variants) != 1:
                return self.error("wrong content", f"GET {path}: not one of {variants}")
        return None


def get(connection, path):
    """One GET; (seconds, status, body) or raises on a connection error."""
    started = time.monotonic()
    connection.request("GET", path, headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    body = response.read()  # raises IncompleteRead on a short body
    return time.monotonic() - started, response.status, body


def concurrent_burst(port, url, count, checker):
    """`count` connections opened at once, then one GET each."""
    if count == 0:
        return []
    barrier = threading.Barrier(count)
    latencies = []

    def client():
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.connect()
        except OSError as err:
            connection = err
        barrier.wait()
        try:
            if isinstance(connection, OSError):
                raise connection
            seconds, status, body = get(connection, url)
            latencies.append(seconds)
            checker.check(url, status, body)
        except (OSError, http.client.HTTPException) as err:
            checker.error("connection", repr(err))

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def slow_clients(port, count):
    """Opens `count` connections that never finish their request head; returns
    a list that fills with the seconds each was kept open."""
    kept = []

    def client(n):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.settimeout(120)
        opened = time.monotonic()
        sock.sendall([b"", b"GET / HTT", b"GET / HTTP/1.1\r\nX-Slow: "][n % 3])
        try:
            while sock.recv(1024):
                pass
        except OSError:
            pass
        kept.append(time.monotonic() - opened)
        sock.close()

    for n in range(count):
        threading.Thread(target=client, args=(n,), daemon=True).start()
    return kept


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", required=True)
    parser.add_argument("--page", default="content/types/swedish.md")
    parser.add_argument("--knead", default="target/release/knead")
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--full-every", type=int, default=10)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--concurrent", type=int, default=200)
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--paths", default="/,/types/,/css/dough.css,/search-index.json",
                        help="other paths asked for, besides the page")
    args = parser.parse_args()

    page_path = os.path.join(args.site, args.page)
    url = page_url(args.page)
    paths = [url] + args.paths.split(",")
    with open(page_path) as f:
        original = f.read()
    save(page_path, edited(original, 0, args.full_every))
    proc = subprocess_serve(args)
    checker = Checker(url)
    try:
        port = read_port(proc)
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        rss_first = proc_status(proc.pid, "VmRSS")

        burst = concurrent_burst(port, url, args.concurrent, checker)
        kept = slow_clients(port, args.slow)
        started = time.monotonic()
        latencies, rebuilds = run_edits_and_requests(args, port, paths, page_path,
                                                     original, checker)
        took = time.monotonic() - started
        deadline = time.monotonic() + 60
        while len(kept) < args.slow and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = proc.poll() is None
        rss_last = proc_status(proc.pid, "VmRSS")
        rss_peak = proc_status(proc.pid, "VmHWM")
    finally:
        save(page_path, original)
        proc.terminate()
        proc.wait(timeout=10)

    full = [s for n, s in rebuilds if n % args.full_every == 0]
    body = [s for n, s in rebuilds if n % args.full_every != 0]
    errors = sum(checker.errors.values())
    print(f"knead serve under load: {args.site}, page {url}")
    print(f"{args.concurrent} concurrent connections: {percentiles(burst)}")
    print(f"{len(latencies)} requests during {len(rebuilds)} rebuilds "
          f"({len(full)} full) in {took:.1f} s, {args.threads} threads: {percentiles(latencies)}")
    print(f"save to served: body edits {percentiles(body)}; full builds {percentiles(full)}")
    if kept:
        print(f"{args.slow} slow clients: {len(kept)} dropped after "
              f"{min(kept):.1f} to {max(kept):.1f} s")
    print(f"errors: {errors} {checker.errors or ''}")
    for example in checker.examples:
        print(f"  {example}")
    print(f"server {'still running' if alive else 'STOPPED'}; RSS after the first build "
          f"{rss_first / 1024:.1f} MiB, after the run {rss_last / 1024:.1f} MiB, "
          f"peak {rss_peak / 1024:.1f} MiB")
    sys.exit(1 if errors or not alive else 0)


def subprocess_serve(args):
    return subprocess.Popen(
        [args.knead, "serve", "--root", args.site, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )


def run_edits_and_requests(args, port, paths, page_path, original, checker):
    """The edits and the requests, in step: request k waits for edit
    k / (requests / edits), edit n for the requests before its share."""
    per_edit = max(1, args.requests // args.edits)
    state = {"claimed": 0, "done": 0, "edits": 0}
    lock = threading.Lock()
    latencies, rebuilds = [], []

    def wait(ready):
        while not ready():
            time.sleep(0.001)

    def client(keep_alive):
        connection = None
        while True:
            with lock:
                k = state["claimed"]
                state["claimed"] += 1
            if k >= args.requests:
                return
            wait(lambda: state["edits"] >= min(k // per_edit, args.edits))
            path = paths[k % len(paths)]
            try:
                connection = connection or http.client.HTTPConnection(
                    "127.0.0.1", port, timeout=60)
                seconds, status, body = get(connection, path)
                latencies.append(seconds)
                checker.check(path, status, body)
            except (OSError, http.client.HTTPException) as err:
                checker.error("connection", f"GET {path}: {err!r}")
                connection = None
            if not keep_alive and connection:
                connection.close()
                connection = None
            with lock:
                state["done"] += 1

    def editor():
        poller = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for edit in range(1, args.edits + 1):
            wait(lambda: state["done"] >= min((edit - 1) * per_edit, args.requests))
            saved = time.monotonic()
            save(page_path, edited(original, edit, args.full_every))
            expected = (BODIES[edit % 2], DESCRIPTIONS[(edit // args.full_every) % 2])
            while time.monotonic() - saved < 60:
                try:
                    _, status, body = get(poller, paths[0])
                except (OSError, http.client.HTTPException) as err:
                    checker.error("connection", f"poll: {err!r}")
                    poller = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    continue
                checker.check(paths[0], status, body)
                if all(text.encode() in body for text in expected):
                    break
                time.sleep(0.002)
            else:
                checker.error("edit not served", f"edit {edit}")
            rebuilds.append((edit, time.monotonic() - saved))
            state["edits"] = edit

    threads = [threading.Thread(target=client, args=(n % 2 == 0,)) for n in range(args.threads)]
    threads.append(threading.Thread(target=editor))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, rebuilds


if __name__ == "__main__":
    main()
