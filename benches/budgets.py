#!/usr/bin/env python3
"""The bundled theme's budgets at scale (issue 16), checked by hand, not by
`cargo test`:

    cargo build --release
    python3 benches/budgets.py --sizes 10000,50000 --runs 3 \
        [--workdir /dev/shm/knead-budgets] [--knead target/release/knead] [--pagefind]

For each size N it builds the bench corpus (../shared/bench/gen_corpus.py,
seed 42, as benches/site/run.py) twice: with the minimal bench theme
(benches/site/theme) and with dough (`search: true`, `paginate_by: 20`),
alternating them RUNS times, each into a removed output folder. Then, on
dough's output:

- HTML pages: median and largest file, and the whole output's size;
- build time and peak RSS against the bench theme's (medians, same run);
- search: the index on disk, and the bytes a first query and a second one
  fetch (the theme's search.js run with node on the output, noting each file
  it loads), uncompressed and gzip-compressed;
- with --pagefind: `npx pagefind --site OUTPUT` on the same output (index
  size, indexing time, and the bytes of the same two queries, measured in
  headless Chromium by benches/pagefind_queries.mjs), or why it could not
  run.

Budgets (at every size): median HTML <= 30 KB, largest <= 200 KB, whole
output <= 400 MB at 10,000 pages (scaled by N/10,000 above), build time and
peak RSS <= 1.3x the bench theme's, first query <= 300 KB. Prints a table,
writes WORKDIR/budgets.json, and exits 1 when a budget is missed.
Standard library only; node must be on PATH for the search figures.
"""

import argparse
import gzip
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, ".."))
SEARCH_JS = os.path.join(REPO, "themes", "dough", "static", "js", "search.js")

spec = importlib.util.spec_from_file_location("site_run", os.path.join(HERE, "site", "run.py"))
site_run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(site_run)

DOUGH_YAML = site_run.SITE_YAML.replace("theme: bench", "theme: dough") + (
    "search: true\n"
    "# Sections of 1,000 pages and terms of hundreds: lists in pagers of 20.\n"
    "paginate_by: 20\n"
)

MEDIAN_HTML = 30 * 1024
LARGEST_HTML = 200 * 1024
OUTPUT_PER_10K = 400 * 1024 * 1024
RATIO = 1.3
FIRST_QUERY = 300 * 1024

QUERIES = ["massages", "lower back pain"]

# Runs the theme's search as the browser does, noting every file fetched.
NODE_QUERIES = r"""
const S = require(process.env.SEARCH_JS);
const fs = require('fs'), zlib = require('zlib');
const dir = process.env.OUTPUT;
const size = (p) => { const b = fs.readFileSync(dir + '/' + p); return [b.length, zlib.gzipSync(b).length]; };
const manifest = JSON.parse(fs.readFileSync(dir + '/search-index.json'));
const seen = new Set();
let fetched = [];
const s = new S.Searcher(manifest, (p) => { fetched.push(p); return Promise.resolve(JSON.parse(fs.readFileSync(dir + '/' + p))); });
(async () => {
  const out = [];
  let first = true;
  for (const q of JSON.parse(process.env.QUERIES)) {
    fetched = [];
    const t0 = process.hrtime.bigint();
    const r = await s.search(q);
    await Promise.all(r.hits.slice(0, 10).map((h) => s.fragment(h.page)));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const files = (first ? ['js/search.js', 'search-index.json'] : []).concat(fetched).filter((p) => !seen.has(p));
    files.forEach((p) => seen.add(p));
    const sizes = files.map(size);
    out.push({ query: q, hits: r.hits.length, files: files.length,
               raw: sizes.reduce((n, x) => n + x[0], 0), gzip: sizes.reduce((n, x) => n + x[1], 0), ms });
    first = false;
  }
  console.log(JSON.stringify(out));
})();
"""


def walk_sizes(root):
    html, total = [], 0
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            n = os.path.getsize(path)
            total += n
            if name.endswith(".html"):
                html.append((n, os.path.relpath(path, root)))
    return html, total


def folder_size(root):
    total, count = 0, 0
    for folder, _, files in os.walk(root):
        for name in files:
            total += os.path.getsize(os.path.join(folder, name))
            count += 1
    return total, count


def search_figures(output):
    index = os.path.join(output, "search")
    if not os.path.isdir(index):
        return None
    shards, shard_count = folder_size(os.path.join(index, "t"))
    fragments, fragment_count = folder_size(os.path.join(index, "p"))
    manifest = os.path.getsize(os.path.join(output, "search-index.json"))
    with open(os.path.join(output, "search-index.json"), "rb") as f:
        manifest_gzip = len(gzip.compress(f.read()))
    env = dict(os.environ, SEARCH_JS=SEARCH_JS, OUTPUT=output, QUERIES=json.dumps(QUERIES))
    r = subprocess.run(["node", "-e", NODE_QUERIES], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    queries = json.loads(r.stdout) if r.returncode == 0 else r.stdout
    return {
        "manifest_bytes": manifest, "manifest_gzip": manifest_gzip,
        "shards": shard_count, "shard_bytes": shards,
        "fragments": fragment_count, "fragment_bytes": fragments,
        "queries": queries,
    }


def pagefind(output, workdir):
    """Pagefind on a copy of dough's output (it writes into the site)."""
    site = os.path.join(workdir, "pagefind-site")
    site_run.rmtree(site)
    shutil.copytree(output, site)
    t0 = time.perf_counter()
    r = subprocess.run(["npx", "--yes", "pagefind", "--site", site], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        return {"ran": False, "why": r.stdout[-2000:]}
    size, count = folder_size(os.path.join(site, "pagefind"))
    # Bytes per query: Pagefind searches with WebAssembly, so in Chromium.
    q = subprocess.run(["node", os.path.join(HERE, "pagefind_queries.mjs"), site, *QUERIES],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    queries = json.loads(q.stdout) if q.returncode == 0 else q.stdout[-2000:]
    return {"ran": True, "seconds": elapsed, "bytes": size, "files": count,
            "queries": queries, "log_tail": r.stdout[-600:]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", default="/dev/shm/knead-budgets")
    ap.add_argument("--knead", default=os.path.join(REPO, "target", "release", "knead"))
    ap.add_argument("--pagefind", action="store_true")
    args = ap.parse_args()
    if not os.access(args.knead, os.X_OK):
        site_run.die(f"{args.knead} is not there: run `cargo build --release` first")
    shared = site_run.shared_dir()
    os.makedirs(args.workdir, exist_ok=True)
    results = {"date": time.strftime("%Y-%m-%d"), "machine": {
        "cpus": os.cpu_count(), "platform": platform.platform(),
        "workdir_fs": site_run.fs_type(args.workdir)}, "sizes": {}}
    missed = []
    for n in [int(s) for s in args.sizes.split(",")]:
        corpus = site_run.ensure_corpus(shared, args.workdir, n)
        bench = site_run.make_knead_site(corpus, os.path.join(args.workdir, f"bench-{n}"))
        dough = os.path.join(args.workdir, f"dough-{n}")
        site_run.rmtree(dough)
        os.makedirs(os.path.join(dough, "themes"))
        shutil.copytree(corpus, os.path.join(dough, "content"))
        shutil.copytree(os.path.join(REPO, "themes", "dough"), os.path.join(dough, "themes", "dough"))
        with open(os.path.join(dough, "site.yaml"), "w") as f:
            f.write(DOUGH_YAML)
        runs = {"bench": [], "dough": []}
        for i in range(args.runs + 1):
            for name, root in (("bench", bench), ("dough", dough)):
                out = os.path.join(root, "output")
                log = os.path.join(args.workdir, f"{name}-{n}.log")
                figures = site_run.run_once([args.knead, "build", "--root", root, "--output", out], log, clean=out)
                if i > 0:  # the first round warms up
                    runs[name].append(figures)
                print(f"[{n}] {name} run {i}: {figures[0]:.2f} s, {figures[2]:.0f} MiB", flush=True)
        sums = {k: site_run.summary(v) for k, v in runs.items()}
        html, total = walk_sizes(os.path.join(dough, "output"))
        sizes = sorted(s for s, _ in html)
        largest = max(html)
        figures = {
            "pages_html": len(html),
            "median_html_bytes": statistics.median(sizes),
            "largest_html_bytes": largest[0], "largest_html": largest[1],
            "output_bytes": total,
            "bench": sums["bench"], "dough": sums["dough"],
            "time_ratio": sums["dough"]["median_wall_s"] / sums["bench"]["median_wall_s"],
            "rss_ratio": sums["dough"]["median_peak_rss_mib"] / sums["bench"]["median_peak_rss_mib"],
            "search": search_figures(os.path.join(dough, "output")),
        }
        if args.pagefind:
            figures["pagefind"] = pagefind(os.path.join(dough, "output"), args.workdir)
        results["sizes"][n] = figures
        checks = [
            ("median HTML", figures["median_html_bytes"], MEDIAN_HTML),
            ("largest HTML", figures["largest_html_bytes"], LARGEST_HTML),
            ("whole output", total, OUTPUT_PER_10K * max(1, n / 10000)),
            ("build time ratio", figures["time_ratio"], RATIO),
            ("peak RSS ratio", figures["rss_ratio"], RATIO),
        ]
        queries = (figures["search"] or {}).get("queries")
        if isinstance(queries, list) and queries:
            checks.append(("first query bytes (uncompressed)", queries[0]["raw"], FIRST_QUERY))
        print(f"\n[{n} pages] dough against the bench theme")
        for name, value, limit in checks:
            ok = value <= limit
            if not ok:
                missed.append(f"{n}: {name}")
            shown = f"{value:,.2f}" if isinstance(value, float) and value < 100 else f"{value:,.0f}"
            print(f"  {'ok  ' if ok else 'MISS'} {name}: {shown} (budget {limit:,.2f})")
        print(f"  largest HTML file: {largest[1]}")
        print(f"  times (median s): bench {sums['bench']['median_wall_s']:.2f}, dough {sums['dough']['median_wall_s']:.2f}")
        print(f"  peak RSS (median MiB): bench {sums['bench']['median_peak_rss_mib']:.0f}, dough {sums['dough']['median_peak_rss_mib']:.0f}")
        print(f"  search: {json.dumps(figures['search'])}")
        if "pagefind" in figures:
            print(f"  pagefind: {json.dumps(figures['pagefind'])[:800]}")
    with open(os.path.join(args.workdir, "budgets.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(f"\nfigures in {os.path.join(args.workdir, 'budgets.json')}")
    if missed:
        print("missed: " + ", ".join(missed))
        sys.exit(1)


if __name__ == "__main__":
    main()
