#!/usr/bin/env python3
"""Save-to-browser latency and memory of `knead serve` (standard library only).

    python3 benches/serve_latency.py --site DIR --page content/types/swedish.md \
        [--edits 50] [--knead target/release/knead]

Copies nothing: run it on a copy of the site you can edit (the page is edited
and restored). Starts `knead serve --root DIR --port 0`, listens to the
server-sent events at /__knead/events like an open page does, then edits the
page N times (alternating two bodies, each edit a real change) and measures
the time from the write to the `reload` event. Prints the median and 90th
percentile, and the server's RSS after the first and the last rebuild.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time


def read_port(proc):
    for line in proc.stdout:
        if line.startswith("serving "):
            return int(line.rsplit(":", 1)[1].split("/", 1)[0])
    sys.exit("knead serve stopped before serving")


def listen(port, events):
    """Appends (monotonic time, event name) for every event received."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"GET /__knead/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    buffer = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.startswith(b"event:"):
                events.append((time.monotonic(), line[6:].strip().decode()))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", required=True)
    parser.add_argument("--page", required=True, help="path under the site, e.g. content/a.md")
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--knead", default="target/release/knead")
    args = parser.parse_args()

    page = os.path.join(args.site, args.page)
    with open(page) as f:
        original = f.read()
    proc = subprocess.Popen(
        [args.knead, "serve", "--root", args.site, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    events = []
    try:
        port = read_port(proc)
        threading.Thread(target=listen, args=(port, events), daemon=True).start()
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        time.sleep(0.5)
        latencies, first_rss = [], None
        for i in range(args.edits):
            seen = len(events)
            with open(page, "w") as f:
                f.write(original + f"\n\nEdit number {i} of the latency benchmark.\n")
            started = time.monotonic()
            deadline = started + 30
            while time.monotonic() < deadline:
                new = [t for t, name in events[seen:] if name == "reload"]
                if new:
                    latencies.append(new[0] - started)
                    break
                time.sleep(0.001)
            else:
                sys.exit(f"no reload event within 30 s after edit {i}")
            if first_rss is None:
                first_rss = rss_kib(proc.pid)
            time.sleep(0.15)  # past the debounce window, so edits stay separate
        last_rss = rss_kib(proc.pid)
    finally:
        with open(page, "w") as f:
            f.write(original)
        proc.terminate()
        proc.wait(timeout=10)
    ms = sorted(x * 1000 for x in latencies)
    p90 = ms[int(len(ms) * 0.9) - 1] if len(ms) >= 10 else ms[-1]
    print(f"{len(ms)} edits of {args.page}: save -> reload event "
          f"median {statistics.median(ms):.0f} ms, p90 {p90:.0f} ms, "
          f"min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms")
    print(f"server RSS after the first rebuild {first_rss / 1024:.0f} MiB, "
          f"after the last {last_rss / 1024:.0f} MiB "
          f"({(last_rss - first_rss) / first_rss * 100:+.1f}%)")


if __name__ == "__main__":
    main()
