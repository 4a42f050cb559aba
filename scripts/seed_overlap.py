#!/usr/bin/env python3
"""Report every run of N or more words that a site's Markdown shares with a seed text.

Usage: scripts/seed_overlap.py SEED_FILE CONTENT_DIR [--min-words N]

Both sides are normalised the same way before comparing: lower case, curly
quotes and dashes folded, every character that is not a letter or a digit
treated as a space. Front matter, link targets (the `(...)` after `]`) and
the `[[target|` part of wiki links are left out, so only words a reader sees
are compared. Each shared run is reported once per file, at its longest, with
the line it starts on.

Exit status: 0 if nothing is shared, 1 if at least one run is found, 2 on a
usage error. The project's tests do not use this script; it checks content
against a source text kept outside the repository.
"""

import argparse
import re
import sys
import unicodedata
from pathlib import Path

FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                      "\u2013": "-", "\u2014": "-"})


def words_of(text):
    """The normalised words of `text`, in order."""
    text = unicodedata.normalize("NFKC", text).translate(FOLD).lower()
    text = text.replace("'", "")  # "don't" and "dont" are the same word
    return re.findall(r"[a-z0-9]+", text)


def strip_markdown(text):
    """Markdown text with front matter and link targets blanked, lines kept."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            front = text[: end + 5]
            text = "\n" * front.count("\n") + text[end + 5:]
    text = re.sub(r"\]\([^)]*\)", "] ", text)           # [label](target)
    text = re.sub(r"\[\[[^\]|]*\|", "[[", text)          # [[target|label]]
    text = re.sub(r"<https?://[^>]*>", " ", text)        # <https://...>
    text = re.sub(r"https?://\S+", " ", text)
    return text


def seed_ngrams(seed_words, n):
    return {tuple(seed_words[i:i + n]) for i in range(len(seed_words) - n + 1)}


def runs_in(path, grams, n):
    """(line, words) for each maximal run of >= n words shared with the seed."""
    text = strip_markdown(path.read_text(encoding="utf-8"))
    words, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        for w in words_of(line):
            words.append(w)
            lines.append(number)
    found = []
    i = 0
    while i <= len(words) - n:
        if tuple(words[i:i + n]) in grams:
            j = i + n
            while j < len(words) and tuple(words[j - n + 1:j + 1]) in grams:
                j += 1
            found.append((lines[i], " ".join(words[i:j])))
            i = j
        else:
            i += 1
    return found


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", type=Path, help="the source text to compare with")
    parser.add_argument("content", type=Path, help="folder of Markdown pages")
    parser.add_argument("--min-words", type=int, default=7, metavar="N",
                        help="shortest run to report (default 7)")
    args = parser.parse_args(argv)
    if args.min_words < 1 or not args.seed.is_file() or not args.content.is_dir():
        parser.print_usage(sys.stderr)
        print("seed_overlap.py: need a seed file, a content folder and N >= 1",
              file=sys.stderr)
        return 2
    n = args.min_words
    grams = seed_ngrams(words_of(args.seed.read_text(encoding="utf-8")), n)
    pages = sorted(args.content.rglob("*.md"))
    total = 0
    for page in pages:
        for line, run in runs_in(page, grams, n):
            total += 1
            print(f"{page}:{line}: {len(run.split())} words: {run}")
    print(f"{total} shared run(s) of {n}+ words in {len(pages)} page(s)")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
