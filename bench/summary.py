#!/usr/bin/env python3
"""Turn bench/broker.sh CSVs (broker,rep,test,metric,value) into markdown tables.

    python3 bench/summary.py bench/results/20260101-120000.csv [more.csv ...]

Several files are pooled (their repetitions together). With several repetitions each cell is the
median (min-max). Ratios are Gregor / Kafka of the
medians; the "better" column says which way is good for that figure.
"""
import csv
import statistics
import sys
from collections import defaultdict

PRODUCE = ["produce-p1-acks1", "produce-p1-acksall", "produce-p6-acks1", "produce-p6-acksall"]
CONSUME = ["consume-p1", "consume-p6"]
RUNS = PRODUCE + CONSUME + ["e2e"]


def load(paths):
    data = defaultdict(list)  # (broker, test, metric) -> [float]
    env = defaultdict(list)
    texts = defaultdict(list)  # (broker, test, metric) -> [str]
    for path in paths:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                if row["broker"] == "env":
                    if row["value"] not in env[row["test"]]:
                        env[row["test"]].append(row["value"])
                    continue
                try:
                    v = float(row["value"])
                except ValueError:
                    texts[(row["broker"], row["test"], row["metric"])].append(row["value"])
                    continue
                data[(row["broker"], row["test"], row["metric"])].append(v)
    return data, {k: ", ".join(v) for k, v in env.items()}, texts


def fmt(v, digits=None):
    if v is None:
        return "–"
    if digits is None:
        a = abs(v)
        digits = 0 if a >= 100 else 1 if a >= 10 else 2
    return f"{v:,.{digits}f}"


class Table:
    def __init__(self, data):
        self.data = data

    def values(self, broker, test, metric):
        return self.data.get((broker, test, metric), [])

    def med(self, broker, test, metric):
        v = self.values(broker, test, metric)
        return statistics.median(v) if v else None

    def cell(self, broker, test, metric, scale=1.0, digits=None):
        v = [x * scale for x in self.values(broker, test, metric)]
        if not v:
            return "–"
        m = statistics.median(v)
        s = fmt(m, digits)
        if len(v) > 1:
            s += f" ({fmt(min(v), digits)}–{fmt(max(v), digits)})"
        return s

    def per_m(self, broker, test, metric):
        """metric per million records of the run (e.g. CPU seconds per M records)"""
        out = []
        for v, n in zip(self.values(broker, test, metric), self.values(broker, test, "records")):
            if n:
                out.append(v / (n / 1e6))
        return out


def rss_cell(t, b, test):
    """RSS in MiB, with its anonymous part (heap, native) in parentheses; the rest is file-backed
    (mapped segments and indexes, jars)"""
    total = t.cell(b, test, "rss_kib", 1 / 1024, 0)
    anon = t.med(b, test, "rss_anon_kib")
    return total if anon is None else f"{total} ({fmt(anon / 1024, 0)})"


def ok(t, b, run):
    """the run produced a result (throughput, or latency for e2e)"""
    return bool(t.values(b, run, "rec_per_s") or t.values(b, run, "avg_ms"))


def ratio(g, k):
    if g is None or k is None or k == 0:
        return "n/a"
    return f"{g / k:.2f}×"


def main(paths):
    data, env, texts = load(paths)
    t = Table(data)
    brokers = sorted({b for (b, _, _) in data})
    G, K = "gregor", "kafka"
    out = []
    p = out.append
    if env:
        p(f"Machine: {env.get('cpus', '?')} CPUs ({env.get('cpu_model', '?')}), {env.get('mem_gib', '?')} GiB, "
          f"Linux {env.get('kernel', '?')}, {env.get('java', '?')}; Apache Kafka {env.get('kafka', '?')}; "
          f"Gregor {env.get('gregor', '?')}. {int(float(env.get('records', 0))):,} records of 100 B per run, "
          f"e2e {env.get('e2e_messages', '?')} messages; load average at start {env.get('load_at_start', '?')}.")
        p("")
    if G not in brokers or K not in brokers:
        p(f"(only {', '.join(brokers)} in this file: no ratios)")

    # -- throughput and latency
    p("| run | Gregor rec/s | Kafka rec/s | throughput G/K | Gregor avg / p50 / p99 ms | Kafka avg / p50 / p99 ms | p50 G/K | p99 G/K |")
    p("|---|---|---|---|---|---|---|---|")
    for run in RUNS:
        if not any(t.values(b, run, "records") for b in brokers):
            continue

        def tp(b):
            if run == "e2e" or b not in brokers:
                return "–"
            r = t.values(b, run, "rec_per_s")
            if not r:
                ec = t.values(b, run, "exit_code")
                return "FAILED" + (f" (exit {int(ec[0])})" if ec and ec[0] else "")
            s = f"{fmt(statistics.median(r), 0)}"
            if len(r) > 1:
                s += f" ({fmt(min(r) / 1000, 0)}k–{fmt(max(r) / 1000, 0)}k)"
            return s + f"; {fmt(t.med(b, run, 'mb_per_s'), 1)} MB/s"

        def lat(b):
            if run.startswith("consume"):
                reb = t.med(b, run, "rebalance_ms")
                f = t.med(b, run, "fetch_rec_per_s")
                if reb is None:
                    return "–"
                return f"join {fmt(reb, 0)} ms; fetch-only {fmt(f, 0)} rec/s"
            if t.med(b, run, "avg_ms") is None:
                return "–"
            s = " / ".join(fmt(t.med(b, run, m)) for m in ("avg_ms", "p50_ms", "p99_ms"))
            if run == "e2e" and t.med(b, run, "p999_ms") is not None:
                s += f" (p99.9 {fmt(t.med(b, run, 'p999_ms'))})"
            return s

        tpr = "n/a" if run == "e2e" else ratio(t.med(G, run, "rec_per_s"), t.med(K, run, "rec_per_s"))
        if run.startswith("consume"):
            p50r = "n/a"
            p99r = f"fetch-only {ratio(t.med(G, run, 'fetch_rec_per_s'), t.med(K, run, 'fetch_rec_per_s'))}"
        else:
            p50r = ratio(t.med(G, run, "p50_ms"), t.med(K, run, "p50_ms"))
            p99r = ratio(t.med(G, run, "p99_ms"), t.med(K, run, "p99_ms"))
            if run == "e2e":
                tpr = f"avg {ratio(t.med(G, run, 'avg_ms'), t.med(K, run, 'avg_ms'))}"
        p(f"| {run} | {tp(G)} | {tp(K)} | {tpr} | {lat(G)} | {lat(K)} | {p50r} | {p99r} |")
    p("")
    reps = max((len(t.values(b, "startup", "ms")) for b in brokers), default=0)
    p(f"Median of {reps} run(s) (min–max of rec/s). Throughput G/K > 1 is better for Gregor; latency "
      "G/K < 1 is better. Producer latency is send() to acknowledgement, mostly time queued in the "
      "client's buffer when it is saturated. Consumer rec/s includes the group join. e2e percentiles "
      "are whole milliseconds truncated by the tool (0 = under 1 ms), so their ratios are often n/a.")
    p("")

    # -- resources
    p("| run | Gregor CPU s (per M rec) | Kafka CPU s (per M rec) | CPU/rec G/K | Gregor RSS MiB (anon) | Kafka RSS MiB (anon) | RSS G/K | GC pauses, total ms, heap allocated MiB: Gregor | same: Kafka | tool CPU s G / K | other load CPU s G / K |")
    p("|---|---|---|---|---|---|---|---|---|---|---|")

    def med_list(v):
        return statistics.median(v) if v else None

    for run in RUNS:
        if not any(t.values(b, run, "records") for b in brokers):
            continue

        def cpu(b):
            c = t.med(b, run, "broker_cpu_s")
            pm = med_list(t.per_m(b, run, "broker_cpu_s"))
            return "–" if c is None else f"{fmt(c)} ({fmt(pm)})"

        def gc(b):
            n = t.med(b, run, "gc_pauses")
            ms = t.med(b, run, "gc_pause_ms")
            a = t.med(b, run, "heap_alloc_mib")
            return "–" if n is None else f"{fmt(n, 0)}, {fmt(ms, 0)} ms" + ("" if a is None else f", {fmt(a, 0)} MiB")

        def rss(b):
            total = t.med(b, run, "rss_kib")
            anon = t.med(b, run, "rss_anon_kib")
            if total is None:
                return "–"
            return fmt(total / 1024, 0) + ("" if anon is None else f" ({fmt(anon / 1024, 0)})")

        def other(b):  # machine busy CPU not spent by the broker, its ZooKeeper or the tool
            m, c, z, k = (t.med(b, run, x) for x in ("machine_cpu_s", "broker_cpu_s", "zk_cpu_s", "tool_cpu_s"))
            if m is None or c is None:
                return "–"
            return fmt(m - c - (z or 0) - (k or 0), 1)

        cpu_ratio = ratio(med_list(t.per_m(G, run, 'broker_cpu_s')), med_list(t.per_m(K, run, 'broker_cpu_s')))
        failed = [b for b in (G, K) if b in brokers and not ok(t, b, run)]
        if failed:
            cpu_ratio = f"n/a ({'/'.join(failed)} failed)"
        elif G not in brokers or K not in brokers:
            cpu_ratio = "n/a"
        p(f"| {run} | {cpu(G)} | {cpu(K)} | {cpu_ratio} | "
          f"{rss(G)} | {rss(K)} | {ratio(t.med(G, run, 'rss_kib'), t.med(K, run, 'rss_kib'))} | {gc(G)} | {gc(K)} | "
          f"{fmt(t.med(G, run, 'tool_cpu_s'), 1)} / {fmt(t.med(K, run, 'tool_cpu_s'), 1)} | {other(G)} / {other(K)} |")
    p("")
    zk = [x for run in RUNS for x in t.values(K, run, "zk_cpu_s")]
    p("CPU = the broker process's utime+stime over the run"
      + (f" (Kafka's ZooKeeper not included: it used ≤ {max(zk):.2f} s per run)" if zk else "") + "; RSS after the run, anonymous part (heap, native) in parentheses, the "
      "rest is file-backed (Gregor's memory-mapped segments count here, Kafka's page cache does not). "
      "\"other load\" = machine busy CPU during the run not used by the broker, ZooKeeper or the tool "
      "(other jobs on the shared machine).")
    p("")

    # -- start-up and memory
    p("| figure | Gregor | Kafka | Gregor/Kafka |")
    p("|---|---|---|---|")
    p(f"| start-up ms (launch → first ApiVersions answer) | {t.cell(G, 'startup', 'ms', digits=0)} | "
      f"{t.cell(K, 'startup', 'ms', digits=0)} | {ratio(t.med(G, 'startup', 'ms'), t.med(K, 'startup', 'ms'))} |")
    p(f"| RSS idle MiB, 10 s after start-up (anonymous part) | {rss_cell(t, G, 'idle')} | "
      f"{rss_cell(t, K, 'idle')} | {ratio(t.med(G, 'idle', 'rss_kib'), t.med(K, 'idle', 'rss_kib'))} |")
    p(f"| RSS after all runs MiB (anonymous part) | {rss_cell(t, G, 'after_load')} | "
      f"{rss_cell(t, K, 'after_load')} | {ratio(t.med(G, 'after_load', 'rss_kib'), t.med(K, 'after_load', 'rss_kib'))} |")
    p(f"| anonymous RSS after all runs MiB (heap + native, no mapped files) | {t.cell(G, 'after_load', 'rss_anon_kib', 1 / 1024, 0)} | "
      f"{t.cell(K, 'after_load', 'rss_anon_kib', 1 / 1024, 0)} | "
      f"{ratio(t.med(G, 'after_load', 'rss_anon_kib'), t.med(K, 'after_load', 'rss_anon_kib'))} |")
    zk = t.med(K, "after_load", "zk_rss_kib")
    kz = None if zk is None or t.med(K, "after_load", "rss_kib") is None else t.med(K, "after_load", "rss_kib") + zk
    p(f"| RSS after all runs incl. ZooKeeper MiB (Gregor's is embedded) | {t.cell(G, 'after_load', 'rss_kib', 1 / 1024, 0)} | "
      f"{fmt(kz / 1024 if kz else None, 0)} | {ratio(t.med(G, 'after_load', 'rss_kib'), kz)} |")
    both = [run for run in RUNS if ok(t, G, run) and ok(t, K, run)]
    tot = {}
    for b in (G, K):
        c = [t.med(b, run, "broker_cpu_s") for run in both]
        tot[b] = sum(c) if c and None not in c else None
    label = "all runs" if len(both) == len(RUNS) else "runs both completed (" + ", ".join(both) + ")"
    p(f"| broker CPU s, {label} | {fmt(tot[G])} | {fmt(tot[K])} | {ratio(tot[G], tot[K])} |")
    p(f"| controlled shutdown ms (SIGTERM → exit) | {t.cell(G, 'shutdown', 'ms', digits=0)} | "
      f"{t.cell(K, 'shutdown', 'ms', digits=0)} | {ratio(t.med(G, 'shutdown', 'ms'), t.med(K, 'shutdown', 'ms'))} |")

    # -- CPU by thread
    names = defaultdict(dict)
    for (b, test, metric), v in data.items():
        if test == "threads":
            names[metric][b] = statistics.median(v)
    if names:
        p("")
        p("Broker CPU seconds by thread over the whole session (start-up, topic creation and every run; "
          "thread names without digits, top ones):")
        p("")
        p("| thread | Gregor | Kafka |")
        p("|---|---|---|")
        rows = sorted(names.items(), key=lambda kv: -max(kv[1].values()))[:14]
        for name, by in rows:
            p(f"| {name.replace('_', ' ')} | {fmt(by.get(G))} | {fmt(by.get(K))} |")

    problems = []
    for (b, test, metric), v in sorted(data.items()):
        if metric == "exit_code" and any(v):
            why = sorted(set(x for x in texts.get((b, test, "error_text"), []) if x))
            codes = sorted(set(int(x) for x in v if x))
            bad = sum(1 for x in v if x)
            problems.append(f"{b} {test}: tool exit code {'/'.join(map(str, codes))} in {bad} of {len(v)} runs"
                            + (" (124 = timed out)" if 124 in codes else "")
                            + (", after printing its result" if ok(t, b, test) else "")
                            + (f" ({' / '.join(why)})" if why else ""))
        if metric == "broker_died":
            problems.append(f"{b} {test}: broker died")
        if metric == "failed":
            problems.append(f"{b} {test}: failed")
    for b in brokers:
        for run in PRODUCE:
            n, s = t.med(b, run, "records"), t.med(b, run, "sent")
            if n and s is not None and s < n:
                problems.append(f"{b} {run}: {int(s)} of {int(n)} records sent")
        for run in CONSUME:
            n, s = t.med(b, run, "records"), t.med(b, run, "consumed")
            if n and s is not None and s < n:
                problems.append(f"{b} {run}: {int(s)} of {int(n)} records consumed")
    if problems:
        p("")
        p("Problems: " + "; ".join(problems) + ".")
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: summary.py RESULTS.csv [MORE.csv ...]")
    main(sys.argv[1:])
