#!/usr/bin/env python3
"""Whole-site benchmark: knead against Hugo on the same generated corpus.

    python3 benches/site/run.py --sizes 1000,10000 --runs 5 \
        [--no-hugo] [--knead PATH] [--workdir /dev/shm/knead-bench]

For each size N:

1. generate the corpus with ../shared/bench/gen_corpus.py (seed 42) into
   WORKDIR/corpus-N, unless it is already there;
2. make the knead site WORKDIR/knead-N (content = the corpus, themes/bench =
   benches/site/theme, a site.yaml) and, when `hugo` is on PATH, the Hugo site
   WORKDIR/hugo-N with ../shared/bench/make_hugo_site.sh;
3. one warm-up build each, then RUNS clean builds each, alternating the tools
   run by run (knead, hugo, knead, hugo, ...). Every build goes into an output
   folder that was removed first (not timed). Wall time is a monotonic clock
   around spawn..reap; CPU (user+sys) and peak RSS come from wait4()'s rusage of
   the child, as in ../shared/bench/timecmd.py;
4. knead's no-change rebuild: one build into a folder, then RUNS timed builds
   into that same folder with nothing changed.

Prints a table and writes every figure to WORKDIR/results.json. Exits 1 when a
build fails (its output is printed), 2 on usage or set-up problems.
The shared bench tools are found at ../shared/bench relative to the repository,
or at $KNEAD_BENCH_SHARED. Standard library only.
"""
import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
THEME = os.path.join(HERE, "theme")
SEED = 42

SITE_YAML = """\
title: Kneading Knowledge
base_url: https://example.org/
description: Articles about massage types, techniques and back pain.
language: en
theme: bench
# `categories` must be a taxonomy: the corpus has it in every page's front
# matter and knead rejects unknown front-matter keys. (Hugo keeps it a plain
# param, so knead renders 1 taxonomy page + 6 term pages more than Hugo.)
taxonomies: [tags, categories]
# Hugo side: typographer off, no heading anchor links.
markdown: { smart_punctuation: false, heading_anchors: false }
# Hugo's baseline writes a sitemap, one feed of the 20 newest pages and
# robots.txt; knead writes sitemap.xml and robots.txt always, and this feed.
feed: true
"""


def die(msg, code=2):
    print(f"run.py: {msg}", file=sys.stderr)
    sys.exit(code)


def shared_dir():
    path = os.environ.get("KNEAD_BENCH_SHARED") or os.path.join(REPO, "..", "shared", "bench")
    path = os.path.normpath(path)
    need = ["gen_corpus.py", "make_hugo_site.sh", "themes-hugo"]
    missing = [n for n in need if not os.path.exists(os.path.join(path, n))]
    if missing:
        die(f"the shared bench tools are not at {path} (missing: {', '.join(missing)}).\n"
            "  They live in ../shared/bench next to the repository; set KNEAD_BENCH_SHARED "
            "to the folder holding gen_corpus.py, make_hugo_site.sh and themes-hugo/.")
    return path


def fs_type(path):
    """File system type of the mount holding `path` (Linux), or None."""
    try:
        with open("/proc/mounts") as f:
            mounts = [line.split()[1:3] for line in f]
    except OSError:
        return None
    path = os.path.realpath(path)
    best, kind = "", None
    for mnt, typ in mounts:
        mnt = mnt.replace("\\040", " ")
        if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
            best, kind = mnt, typ
    return kind


def rmtree(path):
    if os.path.lexists(path):
        shutil.rmtree(path)


def ensure_corpus(shared, workdir, n):
    """WORKDIR/corpus-N, generated once; a stamp beside it marks it complete."""
    corpus = os.path.join(workdir, f"corpus-{n}")
    stamp = corpus + ".done"
    want = f"gen_corpus.py -n {n} --seed {SEED}\n"
    if os.path.isdir(corpus) and os.path.exists(stamp) and open(stamp).read() == want:
        print(f"[{n}] corpus: {corpus} (already there)", flush=True)
        return corpus
    print(f"[{n}] corpus: generating {corpus}", flush=True)
    if os.path.exists(stamp):
        os.remove(stamp)
    r = subprocess.run([sys.executable, os.path.join(shared, "gen_corpus.py"),
                        "-n", str(n), "--seed", str(SEED), "--out", corpus],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        print(r.stdout, file=sys.stderr)
        die(f"gen_corpus.py failed for N={n}")
    with open(stamp, "w") as f:
        f.write(want)
    return corpus


def make_knead_site(corpus, dest):
    rmtree(dest)
    os.makedirs(os.path.join(dest, "themes"))
    shutil.copytree(corpus, os.path.join(dest, "content"))
    shutil.copytree(THEME, os.path.join(dest, "themes", "bench"))
    with open(os.path.join(dest, "site.yaml"), "w") as f:
        f.write(SITE_YAML)
    return dest


def make_hugo_site(shared, corpus, dest):
    r = subprocess.run(["bash", os.path.join(shared, "make_hugo_site.sh"), corpus, dest],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        print(r.stdout, file=sys.stderr)
        die("make_hugo_site.sh failed")
    return dest


def run_once(cmd, log_path, clean=None):
    """One timed run. Returns (wall_s, cpu_s, peak_rss_mib); exits on failure."""
    if clean:
        rmtree(clean)
    with open(log_path, "wb") as log:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter()
    code = os.waitstatus_to_exitcode(status)
    p.returncode = code
    if code != 0:
        with open(log_path, "rb") as f:
            out = f.read().decode("utf-8", "replace")
        print(f"\nbuild failed with exit {code}: {' '.join(cmd)}\n{out}", file=sys.stderr)
        sys.exit(1)
    return t1 - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0  # KiB -> MiB


def summary(runs):
    walls = [r[0] for r in runs]
    cpus = [r[1] for r in runs]
    rss = [r[2] for r in runs]
    return {
        "wall_s": walls, "cpu_s": cpus, "peak_rss_mib": rss,
        "median_wall_s": statistics.median(walls),
        "min_wall_s": min(walls), "max_wall_s": max(walls),
        "median_cpu_s": statistics.median(cpus),
        "median_peak_rss_mib": statistics.median(rss),
    }


def count_html(root):
    n = 0
    for _, _, files in os.walk(root):
        n += sum(1 for f in files if f.endswith(".html"))
    return n


def tool_version(cmd):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        return r.stdout.strip().splitlines()[0] if r.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None


def bench_size(n, a, shared, workdir, knead, hugo, baseline):
    corpus = ensure_corpus(shared, workdir, n)
    logs = os.path.join(workdir, "logs")
    os.makedirs(logs, exist_ok=True)
    ksite = make_knead_site(corpus, os.path.join(workdir, f"knead-{n}"))
    kout = os.path.join(workdir, f"out-knead-{n}")
    tools = [("knead", [knead, "build", "--root", ksite, "--output", kout], kout)]
    if baseline:
        bout = os.path.join(workdir, f"out-baseline-{n}")
        tools.append(("baseline", [baseline, "build", "--root", ksite, "--output", bout], bout))
    if hugo:
        hsite = make_hugo_site(shared, corpus, os.path.join(workdir, f"hugo-{n}"))
        hout = os.path.join(workdir, f"out-hugo-{n}")
        hcache = os.path.join(workdir, "hugo-cache")
        tools.append(("hugo", [hugo, "--source", hsite, "--destination", hout,
                               "--cacheDir", hcache], hout))

    res = {"n": n, "corpus": corpus}
    # warm-up: one clean build each (also the output sanity check)
    for name, cmd, out in tools:
        print(f"[{n}] {name}: warm-up", flush=True)
        run_once(cmd, os.path.join(logs, f"{name}-{n}.log"), clean=out)
        res[f"{name}_html_files"] = count_html(out)
        with open(os.path.join(logs, f"{name}-{n}.log"), encoding="utf-8", errors="replace") as f:
            res[f"{name}_warmup_output"] = f.read().strip()[-2000:]
    # timed clean builds, alternating the tools run by run
    runs = {name: [] for name, _, _ in tools}
    for i in range(a.runs):
        for name, cmd, out in tools:
            r = run_once(cmd, os.path.join(logs, f"{name}-{n}.log"), clean=out)
            runs[name].append(r)
            print(f"[{n}] run {i + 1}/{a.runs} {name}: {r[0]:.3f} s wall, {r[1]:.2f} s CPU, "
                  f"{r[2]:.0f} MiB", flush=True)
    for name in runs:
        res[name] = summary(runs[name])

    # knead: no-change rebuild into the same output folder
    rout = os.path.join(workdir, f"out-knead-rebuild-{n}")
    rcmd = [knead, "build", "--root", ksite, "--output", rout]
    rlog = os.path.join(logs, f"knead-rebuild-{n}.log")
    run_once(rcmd, rlog, clean=rout)  # first build (and warm-up)
    rebuilds = []
    for i in range(a.runs):
        r = run_once(rcmd, rlog)
        rebuilds.append(r)
        print(f"[{n}] no-change rebuild {i + 1}/{a.runs}: {r[0]:.3f} s wall", flush=True)
    res["knead_rebuild"] = summary(rebuilds)
    return res


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def print_table(results, nproc):
    head = ["N", "knead s", "hugo s", "knead/hugo", "knead MB", "hugo MB", "RSS ratio",
            "rebuild s", "rebuild %", "µs/page knead", "µs/page hugo"]
    rows = []
    for r in results:
        n = r["n"]
        k = r["knead"]["median_wall_s"]
        h = r["hugo"]["median_wall_s"] if "hugo" in r else None
        km = r["knead"]["median_peak_rss_mib"]
        hm = r["hugo"]["median_peak_rss_mib"] if "hugo" in r else None
        rb = r["knead_rebuild"]["median_wall_s"]
        rows.append([str(n), fmt(k, ".3f"), fmt(h, ".3f"),
                     fmt(k / h if h else None, ".2f"), fmt(km, ".0f"), fmt(hm, ".0f"),
                     fmt(km / hm if hm else None, ".2f"), fmt(rb, ".3f"),
                     fmt(100 * rb / k, ".0f") + "%",
                     fmt(k / n * 1e6, ".0f"), fmt(h / n * 1e6 if h else None, ".0f")])
    widths = [max(len(head[i]), *(len(row[i]) for row in rows)) for i in range(len(head))]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"
    print()
    print(f"medians of the timed runs; wall time; peak RSS in MiB; {nproc} CPUs")
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))
    if any("baseline" in r for r in results):
        print()
        print("knead against the --baseline binary, same site, runs alternating")
        print("| N | knead s | baseline s | knead/baseline | knead MiB | baseline MiB |")
        print("|---|---|---|---|---|---|")
        for r in results:
            k, b = r["knead"], r["baseline"]
            print(f"| {r['n']} | {k['median_wall_s']:.3f} | {b['median_wall_s']:.3f} | "
                  f"{k['median_wall_s'] / b['median_wall_s']:.2f} | "
                  f"{k['median_peak_rss_mib']:.0f} | {b['median_peak_rss_mib']:.0f} |")
    # detail: CPU time and spread
    print()
    print("| N | tool | wall min..max s | CPU median s | CPU/wall | HTML files |")
    print("|---|---|---|---|---|---|")
    for r in results:
        for name, key in (("knead", "knead"), ("baseline", "baseline"), ("hugo", "hugo"),
                          ("knead rebuild", "knead_rebuild")):
            if key not in r:
                continue
            s = r[key]
            files = r.get(f"{key}_html_files", "")
            print(f"| {r['n']} | {name} | {s['min_wall_s']:.3f}..{s['max_wall_s']:.3f} | "
                  f"{s['median_cpu_s']:.2f} | {s['median_cpu_s'] / s['median_wall_s']:.2f} | {files} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool and size")
    ap.add_argument("--no-hugo", action="store_true", help="measure knead only")
    ap.add_argument("--knead", default=os.path.join(REPO, "target", "release", "knead"),
                    help="knead binary (default: target/release/knead)")
    ap.add_argument("--baseline", metavar="PATH",
                    help="another knead binary (an older build) measured beside --knead")
    ap.add_argument("--workdir", default="/dev/shm/knead-bench",
                    help="corpora, sites, outputs and results.json (use tmpfs)")
    a = ap.parse_args()
    try:
        sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    except ValueError:
        die(f"--sizes must be comma-separated integers, not {a.sizes!r}")
    if not sizes or min(sizes) < 2 or a.runs < 1:
        die("need sizes >= 2 and --runs >= 1")

    shared = shared_dir()
    knead = os.path.abspath(a.knead)
    if not os.access(knead, os.X_OK):
        die(f"no knead binary at {knead}; run `cargo build --release` first or pass --knead PATH")
    hugo = None if a.no_hugo else shutil.which("hugo")
    if not a.no_hugo and not hugo:
        print("run.py: hugo is not on PATH (apt-get install -y hugo); measuring knead only",
              file=sys.stderr)
    workdir = os.path.abspath(a.workdir)
    os.makedirs(workdir, exist_ok=True)
    # Run a private copy, so a `cargo build` during the benchmark cannot swap
    # the binary between runs.
    with open(knead, "rb") as f:
        knead_sha = hashlib.sha256(f.read()).hexdigest()
    knead_src = knead
    knead = os.path.join(workdir, "knead-bin")
    shutil.copy2(knead_src, knead)
    baseline = None
    if a.baseline:
        if not os.access(a.baseline, os.X_OK):
            die(f"no knead binary at {a.baseline} (--baseline)")
        baseline = os.path.join(workdir, "knead-baseline-bin")
        shutil.copy2(a.baseline, baseline)
    kind = fs_type(workdir)
    if kind != "tmpfs":
        print(f"run.py: warning: {workdir} is on {kind or 'an unknown file system'}, not tmpfs; "
              "disk I/O will add noise (use /dev/shm/...)", file=sys.stderr)

    meta = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "knead": knead_src, "knead_sha256": knead_sha,
        "knead_mtime": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(os.path.getmtime(knead_src))),
        "knead_version": tool_version([knead, "--version"]),
        "baseline": a.baseline,
        "hugo": hugo, "hugo_version": tool_version([hugo, "version"]) if hugo else None,
        "runs": a.runs, "warmup": 1, "seed": SEED, "workdir": workdir, "workdir_fs": kind,
        "nproc": os.cpu_count(), "machine": platform.platform(),
        "method": "clean builds alternate knead/hugo run by run after one warm-up each; "
                  "each into a freshly removed output folder; wall = perf_counter around "
                  "spawn..wait4; CPU and peak RSS from the child's rusage",
    }
    print(f"knead: {meta['knead_version']} ({knead_src}, built {meta['knead_mtime']}, sha256 {knead_sha[:12]})")
    print(f"hugo:  {meta['hugo_version'] or 'not measured'}")
    results = []
    for n in sizes:
        results.append(bench_size(n, a, shared, workdir, knead, hugo, baseline))
        with open(os.path.join(workdir, "results.json"), "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=1)
    print_table(results, meta["nproc"])
    print(f"\nresults: {os.path.join(workdir, 'results.json')}")


if __name__ == "__main__":
    main()
