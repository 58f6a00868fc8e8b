#!/usr/bin/env python3
"""Turn bench/broker.sh and bench/cluster.sh CSVs (broker,rep,test,metric,value) into markdown tables.

    python3 bench/summary.py bench/results/20260101-120000.csv [more.csv ...]

A cluster.sh CSV (env cluster_brokers) gets the same tables, with CPU and RSS summed over the
brokers of each cluster, plus one of the CPU by broker (the leader of a 1-partition topic against
its followers).

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


def load_reps(paths):
    """(file, broker, rep) -> {(test, metric): value as str}, for figures that belong together per run"""
    reps = defaultdict(dict)
    for path in paths:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                if row["broker"] != "env":
                    reps[(path, row["broker"], row["rep"])][(row["test"], row["metric"])] = row["value"]
    return reps


def run_topic(run):
    """the topic a cluster.sh run uses"""
    if run == "e2e":
        return "e2e-lat"
    if run.startswith("produce-"):
        parts, acks = run.split("-")[1:]
        return f"pp-{parts}-a{acks[4:]}"
    return f"pp-{run.split('-')[1]}-a1"


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


def by_broker(out, reps, nb, e2e_label):
    """cluster.sh: each broker's CPU per run; for a 1-partition topic the leader's against its
    followers', per million records"""
    p = out.append
    G, K = "gregor", "kafka"
    p(f"| run | Gregor CPU s by broker 1 / … / {nb} (* leader) | Kafka CPU s by broker | "
      "Gregor leader / followers CPU s per M rec | Kafka leader / followers CPU s per M rec | leader G/K | followers G/K |")
    p("|---|---|---|---|---|---|---|")
    for run in RUNS:
        cells, split = {}, {}
        for b in (G, K):
            rows, lead, foll = [], [], []
            for (_, broker, _), d in sorted(reps.items()):
                if broker != b or (run, "broker_cpu_s") not in d:
                    continue
                cpu = [float(d.get((run, f"cpu_s_broker{i}"), "nan")) for i in range(1, nb + 1)]
                leaders = d.get(("topics", f"leaders_{run_topic(run)}"), "")
                leader = int(leaders) if leaders.isdigit() else None
                rows.append(" / ".join(f"{fmt(c)}{'*' if i + 1 == leader else ''}" for i, c in enumerate(cpu)))
                n = float(d.get((run, "records"), 0)) / 1e6
                if leader and n:
                    lead.append(cpu[leader - 1] / n)
                    foll.append((sum(cpu) - cpu[leader - 1]) / n)
            cells[b] = "; ".join(rows) if rows else "–"
            split[b] = (statistics.median(lead), statistics.median(foll)) if lead else None
        if cells[G] == "–" and cells[K] == "–":
            continue

        def sp(b):
            return "leaders spread" if split[b] is None else f"{fmt(split[b][0])} / {fmt(split[b][1])}"

        both = split[G] is not None and split[K] is not None
        p(f"| {e2e_label if run == 'e2e' else run} | {cells[G]} | {cells[K]} | {sp(G)} | {sp(K)} | "
          f"{ratio(split[G][0], split[K][0]) if both else 'n/a'} | {ratio(split[G][1], split[K][1]) if both else 'n/a'} |")
    p("")
    p("With one partition the leader takes the produce or fetch requests and the other brokers only "
      "replicate (follower fetches); \"followers\" = the CPU of the other brokers together. Several "
      "repetitions are listed one after the other (;), the per-M-rec figures are their medians.")
    p("")


def main(paths):
    data, env, texts = load(paths)
    t = Table(data)
    nb = int(float(env["cluster_brokers"])) if env.get("cluster_brokers") else 0  # brokers per cluster
    e2e_label = "e2e" + (f" (acks={env['e2e_acks']})" if env.get("e2e_acks") else "")
    brokers = sorted({b for (b, _, _) in data})
    G, K = "gregor", "kafka"
    out = []
    p = out.append
    if env:
        p(f"Machine: {env.get('cpus', '?')} CPUs ({env.get('cpu_model', '?')}), {env.get('mem_gib', '?')} GiB, "
          f"Linux {env.get('kernel', '?')}, {env.get('java', '?')}; Apache Kafka {env.get('kafka', '?')}; "
          f"Gregor {env.get('gregor', '?')}. {int(float(env.get('records', 0))):,} records of 100 B per run, "
          f"e2e {env.get('e2e_messages', '?')} messages"
          + (f" with acks={env['e2e_acks']}" if env.get("e2e_acks") else "")
          + f"; load average at start {env.get('load_at_start', '?')}."
          + (f" Clusters of {nb} brokers and one ZooKeeper each; topics with replication factor {nb}, "
             "min.insync.replicas=2." if nb else ""))
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
        p(f"| {e2e_label if run == 'e2e' else run} | {tp(G)} | {tp(K)} | {tpr} | {lat(G)} | {lat(K)} | {p50r} | {p99r} |")
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
        p(f"| {e2e_label if run == 'e2e' else run} | {cpu(G)} | {cpu(K)} | {cpu_ratio} | "
          f"{rss(G)} | {rss(K)} | {ratio(t.med(G, run, 'rss_kib'), t.med(K, run, 'rss_kib'))} | {gc(G)} | {gc(K)} | "
          f"{fmt(t.med(G, run, 'tool_cpu_s'), 1)} / {fmt(t.med(K, run, 'tool_cpu_s'), 1)} | {other(G)} / {other(K)} |")
    p("")
    if nb:
        zk = [x for b in brokers for run in RUNS for x in t.values(b, run, "zk_cpu_s")]
        p(f"CPU = utime+stime of the {nb} broker processes over the run, summed"
          + (f" (ZooKeeper not included: it used ≤ {max(zk):.2f} s per run)" if zk else "")
          + f"; RSS after the run, summed over the {nb} brokers")
    else:
        zk = [x for run in RUNS for x in t.values(K, run, "zk_cpu_s")]
        p("CPU = the broker process's utime+stime over the run"
          + (f" (Kafka's ZooKeeper not included: it used ≤ {max(zk):.2f} s per run)" if zk else "") + "; RSS after the run")
    out[-1] += (", anonymous part (heap, native) in parentheses, the "
      "rest is file-backed (Gregor's memory-mapped segments count here, Kafka's page cache does not). "
      "\"other load\" = machine busy CPU during the run not used by the broker, ZooKeeper or the tool "
      "(other jobs on the shared machine).")
    p("")

    if nb:
        by_broker(out, load_reps(paths), nb, e2e_label)

    # -- start-up and memory
    p("| figure | Gregor | Kafka | Gregor/Kafka |")
    p("|---|---|---|---|")
    p(f"| start-up ms ({f'launch of {nb} brokers → all answer ApiVersions and are registered in ZooKeeper' if nb else 'launch → first ApiVersions answer'}) | {t.cell(G, 'startup', 'ms', digits=0)} | "
      f"{t.cell(K, 'startup', 'ms', digits=0)} | {ratio(t.med(G, 'startup', 'ms'), t.med(K, 'startup', 'ms'))} |")
    p(f"| RSS idle MiB, 10 s after start-up{f', {nb} brokers' if nb else ''} (anonymous part) | {rss_cell(t, G, 'idle')} | "
      f"{rss_cell(t, K, 'idle')} | {ratio(t.med(G, 'idle', 'rss_kib'), t.med(K, 'idle', 'rss_kib'))} |")
    if nb and t.values(G, "idle", "cpu_s_waiting") + t.values(K, "idle", "cpu_s_waiting"):
        w = t.med(G, "idle", "wait_s") or t.med(K, "idle", "wait_s")
        p(f"| broker CPU s while the idle cluster waits {fmt(w, 0)} s before the runs (sum of {nb}) | "
          f"{t.cell(G, 'idle', 'cpu_s_waiting')} | {t.cell(K, 'idle', 'cpu_s_waiting')} | "
          f"{ratio(t.med(G, 'idle', 'cpu_s_waiting'), t.med(K, 'idle', 'cpu_s_waiting'))} |")
    p(f"| RSS after all runs MiB (anonymous part) | {rss_cell(t, G, 'after_load')} | "
      f"{rss_cell(t, K, 'after_load')} | {ratio(t.med(G, 'after_load', 'rss_kib'), t.med(K, 'after_load', 'rss_kib'))} |")
    p(f"| anonymous RSS after all runs MiB (heap + native, no mapped files) | {t.cell(G, 'after_load', 'rss_anon_kib', 1 / 1024, 0)} | "
      f"{t.cell(K, 'after_load', 'rss_anon_kib', 1 / 1024, 0)} | "
      f"{ratio(t.med(G, 'after_load', 'rss_anon_kib'), t.med(K, 'after_load', 'rss_anon_kib'))} |")
    def with_zk(b):
        zk = t.med(b, "after_load", "zk_rss_kib")
        r = t.med(b, "after_load", "rss_kib")
        return r if zk is None else None if r is None else r + zk

    gz, kz = with_zk(G), with_zk(K)
    if nb:
        p(f"| RSS after all runs incl. ZooKeeper MiB | {fmt(gz / 1024 if gz else None, 0)} | "
          f"{fmt(kz / 1024 if kz else None, 0)} | {ratio(gz, kz)} |")
    else:
        p(f"| RSS after all runs incl. ZooKeeper MiB (Gregor's is embedded) | {t.cell(G, 'after_load', 'rss_kib', 1 / 1024, 0)} | "
          f"{fmt(kz / 1024 if kz else None, 0)} | {ratio(t.med(G, 'after_load', 'rss_kib'), kz)} |")
    both = [run for run in RUNS if ok(t, G, run) and ok(t, K, run)]
    tot = {}
    for b in (G, K):
        c = [t.med(b, run, "broker_cpu_s") for run in both]
        tot[b] = sum(c) if c and None not in c else None
    label = "all runs" if len(both) == len(RUNS) else "runs both completed (" + ", ".join(both) + ")"
    p(f"| broker CPU s{f' (sum of {nb})' if nb else ''}, {label} | {fmt(tot[G])} | {fmt(tot[K])} | {ratio(tot[G], tot[K])} |")
    p(f"| controlled shutdown ms ({f'SIGTERM → exit, {nb} brokers one after the other' if nb else 'SIGTERM → exit'}) | {t.cell(G, 'shutdown', 'ms', digits=0)} | "
      f"{t.cell(K, 'shutdown', 'ms', digits=0)} | {ratio(t.med(G, 'shutdown', 'ms'), t.med(K, 'shutdown', 'ms'))} |")

    # -- CPU by thread
    names = defaultdict(dict)
    for (b, test, metric), v in data.items():
        if test == "threads":
            names[metric][b] = statistics.median(v)
    if names:
        p("")
        p("Broker CPU seconds by thread over the whole session (start-up, topic creation and every run; "
          "thread names without digits, top ones" + (f"; summed over the {nb} brokers" if nb else "") + "):")
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
