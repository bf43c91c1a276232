#!/usr/bin/env python3
"""How far can the O*NET alternate-titles coverage measure go?

The coverage test (tests/data_quality.rs) samples 2,000 O*NET alternate titles (seed 20261127,
and a disjoint second sample, seed 7) and counts how often the role titlematch finds maps to the
title's SOC major group. This script puts that figure next to three reference points, so the
distance to the issue's 80% can be judged:

1. titlematch with the built-in data (what the test measures);
2. titlematch with the built-in data plus every O*NET alternate title that is in neither sample,
   added as an alias of the role mapped to its code. A DIAGNOSTIC ONLY: the extended data is
   written to a temporary folder and deleted; nothing of O*NET goes into data/;
3. a word-level naive Bayes classifier trained on those same O*NET titles (a different kind of
   matcher, for comparison);
4. an oracle that has seen the sampled titles themselves: for each title, the major group under
   which O*NET lists that exact string most often (titles O*NET lists under several groups
   can only be right once).

Usage: python3 benches/onet_ceiling.py [--onet ../shared/data/onet/29.3] [--bin target/release/titlematch]
Needs the release binary (cargo build --release). Prints a table. About a minute.
"""

import argparse
import collections
import csv
import glob
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import unicodedata

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MASK = (1 << 64) - 1


def lcg(seed):
    """The test's generator: a 64-bit LCG, upper 31 bits."""
    state = seed
    while True:
        state = (state * 6364136223846793005 + 1442695040888963407) & MASK
        yield state >> 33


def sample(by_major, seed, exclude):
    """The test's sample: proportional to each major group, at least 20 per group."""
    total = sum(len(v) for v in by_major.values())
    rng = lcg(seed)
    out = []
    for g in sorted(by_major):
        rows = by_major[g]
        free = sum(1 for r in rows if r not in exclude)
        want = min(max(len(rows) * 2000 // total, 20), free)
        picked = set()
        while len(picked) < want:
            i = next(rng) % len(rows)
            if rows[i] not in exclude:
                picked.add(i)
        out.extend(rows[i] for i in sorted(picked))
    return out


def key(s):
    s = unicodedata.normalize("NFKD", s.lower())
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", s).split())


def role_majors(data):
    out = {}
    for f in glob.glob(os.path.join(data, "roles", "*.toml")):
        with open(f, "rb") as fh:
            for r in tomllib.load(fh)["role"]:
                out[r["code"]] = {s["code"][:2] for s in r["soc"]}
    return out


def engine_share(binary, data, index, titles, work):
    """Major-group share of `titlematch normalize` over (code, title) rows."""
    src = os.path.join(work, "titles.csv")
    with open(src, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "code"])
        w.writerows((t, c) for c, t in titles)
    out = os.path.join(work, "out.csv")
    subprocess.run(
        [binary, "normalize", src, "--column", "title", "--data", data, "--index", index, "-o", out],
        check=True,
        capture_output=True,
    )
    majors = role_majors(data)
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    ok = sum(1 for r in rows if r["code"][:2] in majors.get(r["role_code"], ()))
    return ok / len(rows)


def extend_data(data, work, extra, binary):
    """Copy data/ and add each (code, title) as an alias of the first role whose first SOC code
    is `code` (else any role mapping it). Aliases the engine reads as another role's are dropped."""
    dst = os.path.join(work, "data")
    shutil.copytree(data, dst)
    files, first, anyc, have = {}, {}, {}, set()
    for f in sorted(glob.glob(os.path.join(dst, "roles", "*.toml"))):
        with open(f, "rb") as fh:
            for r in tomllib.load(fh)["role"]:
                files[r["code"]] = f
                first.setdefault(r["soc"][0]["code"], r["code"])
                for s in r["soc"]:
                    anyc.setdefault(s["code"], r["code"])
                have.update(key(a["alias"]) for a in r["aliases"])
    add = collections.defaultdict(list)
    for code, title in extra:
        k = key(title)
        role = first.get(code) or anyc.get(code)
        if not k or k in have or role is None or '"' in title or "\\" in title:
            continue
        have.add(k)
        add[role].append(title)
    n = 0
    for role, titles in add.items():
        f = files[role]
        with open(f) as fh:
            lines = fh.read().split("\n")
        i = lines.index(f'code = "{role}"')
        j = next(k for k in range(i, len(lines)) if lines[k].startswith("aliases = ["))
        e = next(k for k in range(j, len(lines)) if lines[k] == "]")
        lines[e:e] = [
            f'  {{ alias = "{t}", type = "common", confidence = 0.8, approved = true, source = "onet-diagnostic" }},'
            for t in titles
        ]
        n += len(titles)
        with open(f, "w") as fh:
            fh.write("\n".join(lines))
    index = os.path.join(work, "index")
    for _ in range(500):
        p = subprocess.run([binary, "build", "--data", dst, "--index", index], capture_output=True, text=True)
        if p.returncode == 0:
            return dst, index, n
        names = set(re.findall(r'\("(.*?)" in roles', p.stderr.replace('\\"', '"')))
        if not names:
            sys.exit(f"build failed: {p.stderr}")
        for f in glob.glob(os.path.join(dst, "roles", "*.toml")):
            with open(f) as fh:
                lines = fh.read().split("\n")
            keep = [l for l in lines if not ("onet-diagnostic" in l and any(f'alias = "{t}"' in l for t in names))]
            if len(keep) != len(lines):
                n -= len(lines) - len(keep)
                with open(f, "w") as fh:
                    fh.write("\n".join(keep))
    sys.exit("could not resolve alias clashes")


def bayes_share(train, test):
    stop = {"of", "for", "in", "at", "to", "with", "and", "the", "a", "or"}
    words = lambda t: [w for w in key(re.sub(r"\(.*?\)", "", t)).split() if w not in stop]
    wc = collections.defaultdict(collections.Counter)
    gc = collections.Counter()
    for code, title in train:
        gc[code[:2]] += 1
        wc[code[:2]].update(words(title))
    vocab = {w for c in wc.values() for w in c}
    tot = {g: sum(c.values()) for g, c in wc.items()}
    n = sum(gc.values())
    ok = 0
    for code, title in test:
        ws = [w for w in words(title) if w in vocab]
        best = max(
            gc,
            key=lambda g: math.log(gc[g] / n)
            + sum(math.log((wc[g][w] + 0.05) / (tot[g] + 0.05 * len(vocab))) for w in ws),
        )
        ok += best == code[:2]
    return ok / len(test)


def oracle_share(all_rows, test):
    groups = collections.defaultdict(collections.Counter)
    for code, title in all_rows:
        groups[title.lower()][code[:2]] += 1
    ok = 0.0
    for code, title in test:
        c = groups[title.lower()]
        top = max(c.values())
        best = [g for g, v in c.items() if v == top]
        ok += (code[:2] in best) / len(best)
    return ok / len(test)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--onet", default=os.path.join(REPO, "..", "shared", "data", "onet", "29.3"))
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "titlematch"))
    ap.add_argument("--data", default=os.path.join(REPO, "data"))
    a = ap.parse_args()
    rows = []
    with open(os.path.join(a.onet, "Alternate Titles.tsv"), encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) >= 3 and len(f[0]) >= 7:
                rows.append((f[0][:7], f[2]))
    by_major = collections.defaultdict(list)
    for r in rows:
        by_major[r[0][:2]].append(r)
    first = sample(by_major, 20261127, set())
    second = sample(by_major, 7, set(first))
    in_samples = set(first) | set(second)
    rest = [r for r in rows if r not in in_samples]
    with tempfile.TemporaryDirectory() as work:
        base = [engine_share(a.bin, a.data, os.path.join(work, "idx0"), s, work) for s in (first, second)]
        ext, idx, n = extend_data(a.data, work, rest, a.bin)
        plus = [engine_share(a.bin, ext, idx, s, work) for s in (first, second)]
    nb = [bayes_share(rest, s) for s in (first, second)]
    orc = [oracle_share(rows, s) for s in (first, second)]
    print(f"O*NET alternate titles: {len(rows):,}; samples of {len(first):,} (seed 20261127) and {len(second):,} (seed 7)")
    print(f"other O*NET titles added as aliases in the diagnostic: {n:,}\n")
    print("| matcher | sample 20261127 | sample 7 |")
    print("|---|---:|---:|")
    for name, v in [
        ("titlematch, built-in data (the test)", base),
        ("titlematch, built-in data + all other O*NET titles as aliases (diagnostic)", plus),
        ("naive Bayes over words, trained on all other O*NET titles", nb),
        ("oracle that has seen the sampled titles (most frequent group of the exact string)", orc),
    ]:
        print(f"| {name} | {100 * v[0]:.1f}% | {100 * v[1]:.1f}% |")


if __name__ == "__main__":
    main()
