#!/usr/bin/env python3
"""The heavy rows of docs/reliability.md, at full size (standard library only).

    python3 benches/faults.py [--knead target/release/knead] \
        [--workdir /tmp/knead-faults] [--files 100000] [--only NAME ...]

`cargo test` runs the same faults scaled down (tests/it/faults.rs); this
script runs them at the sizes the catalogue names, once each, and prints
what happened: exit code, the last line of output, wall time, CPU time and
peak memory (from wait4's rusage of the child).

  tiny-files   100,000 one-line pages in 1,000 folders: a clean build, then
               a build with nothing changed.
  big-file     a 50 MB (47.7 MiB) Markdown page with 390,000 links: refused,
               naming the file and the 16 MiB limit.
  under-limit  a 15.9 MiB page with 130,000 links and 1,300 headings: builds;
               then with a broken link added at the very end: reported at its
               line and column (link positions cost linear time; they used
               to cost quadratic time).

Exits 1 when an outcome is not the expected one, 2 on usage problems.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

SITE_YAML = "title: Faults\nbase_url: https://example.org/\ntheme: t\n"
TEMPLATES = {
    "page.html": "<h1>{{ page.title }}</h1>{{ page.content | safe }}\n",
    "section.html": "<h1>{{ section.title }}</h1>{% for p in section.pages %}"
                    "<a href=\"{{ p.url }}\">{{ p.title }}</a>{% endfor %}\n",
    "index.html": "<h1>{{ section.title }}</h1>\n",
}
MIB = 1024 * 1024


def make_site(path):
    if os.path.lexists(path):
        shutil.rmtree(path)
    os.makedirs(os.path.join(path, "content"))
    with open(os.path.join(path, "site.yaml"), "w") as f:
        f.write(SITE_YAML)
    templates = os.path.join(path, "themes", "t", "templates")
    os.makedirs(templates)
    for name, text in TEMPLATES.items():
        with open(os.path.join(templates, name), "w") as f:
            f.write(text)
    with open(os.path.join(path, "content", "_index.md"), "w") as f:
        f.write("---\ntitle: Home\n---\nHome.\n")
    return path


def run(cmd):
    """(exit code, last output line, wall s, cpu s, peak RSS MiB)."""
    started = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = p.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - started
    lines = [line for line in out.splitlines() if line.strip()]
    return (os.waitstatus_to_exitcode(status), lines, wall,
            usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0)


def report(name, result, ok):
    code, lines, wall, cpu, rss = result
    shown = lines[0] if code != 0 and lines else (lines[-1] if lines else "")
    print(f"{name:28} exit {code}  {wall:7.2f} s wall  {cpu:7.2f} s cpu  "
          f"{rss:7.1f} MiB peak  {'ok' if ok else 'UNEXPECTED'}")
    print(f"{'':28} {shown[:160]}")
    return ok


def tiny_files(knead, workdir, count):
    site = make_site(os.path.join(workdir, "tiny-files"))
    for n in range(count):
        folder = os.path.join(site, "content", f"f{n // 100:04}")
        if n % 100 == 0:
            os.makedirs(folder)
        with open(os.path.join(folder, f"p{n}.md"), "w") as f:
            f.write(f"---\ntitle: P{n}\n---\nx\n")
    build = [knead, "build", "--quiet", "--root", site]
    first = run(build)
    ok = report(f"{count} files: clean build", first, first[0] == 0)
    # --quiet prints nothing on success: count what was written.
    pages = sum(1 for _, _, files in os.walk(os.path.join(site, "output"))
                for name in files if name == "index.html")
    print(f"{'':28} {pages} index.html files written")
    # The pages and the home page; folders without _index.md have no page.
    ok &= pages == count + 1
    again = run([knead, "build", "--root", site])
    ok &= report(f"{count} files: nothing changed", again,
                 again[0] == 0 and again[1] and again[1][-1].endswith("(nothing changed)"))
    return ok


def big_page(path, size):
    """A page of about `size` bytes: paragraphs with a link each, a heading
    every 100 paragraphs. Returns the number of links."""
    para = ("Lorem ipsum dolor sit amet, *consectetur* adipiscing elit, sed do "
            "[eiusmod](https://example.org/) tempor incididunt ut labore.\n\n")
    with open(path, "w") as f:
        f.write("---\ntitle: Big\n---\n")
        written, n = 0, 0
        while written < size:
            if n % 100 == 0:
                f.write(f"## Part {n}\n\n")
            f.write(para)
            written += len(para)
            n += 1
    return n


def big_file(knead, workdir):
    site = make_site(os.path.join(workdir, "big-file"))
    path = os.path.join(site, "content", "big.md")
    big_page(path, 50 * 1000 * 1000)
    result = run([knead, "build", "--root", site])
    expected = "content/big.md: error: the file is 47.7 MiB, over knead's limit of 16 MiB"
    return report("50 MB page", result,
                  result[0] == 1 and any(line.startswith(expected) for line in result[1]))


def under_limit(knead, workdir):
    site = make_site(os.path.join(workdir, "under-limit"))
    path = os.path.join(site, "content", "big.md")
    paragraphs = big_page(path, int(15.9 * MIB))
    built = run([knead, "build", "--root", site])
    print(f"{'':28} {paragraphs} links")
    ok = report("15.9 MiB page", built, built[0] == 0)
    with open(path, "a") as f:
        f.write("[the end](missing.md)\n")
    with open(path) as f:
        last_line = sum(1 for _ in f)
    expected = f"content/big.md:{last_line}:1: error: no page at content/missing.md"
    broken = run([knead, "build", "--root", site])
    return ok & report("... with a broken last link", broken,
                       broken[0] == 1 and any(line.startswith(expected) for line in broken[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knead", default=os.path.join(REPO, "target", "release", "knead"))
    parser.add_argument("--workdir", default="/tmp/knead-faults")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--only", nargs="*", choices=["tiny-files", "big-file", "under-limit"])
    args = parser.parse_args()
    if not os.access(args.knead, os.X_OK):
        print(f"faults.py: no knead binary at {args.knead}; run `cargo build --release` "
              "or pass --knead", file=sys.stderr)
        sys.exit(2)
    os.makedirs(args.workdir, exist_ok=True)
    chosen = args.only or ["tiny-files", "big-file", "under-limit"]
    ok = True
    if "tiny-files" in chosen:
        ok &= tiny_files(args.knead, args.workdir, args.files)
    if "big-file" in chosen:
        ok &= big_file(args.knead, args.workdir)
    if "under-limit" in chosen:
        ok &= under_limit(args.knead, args.workdir)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
