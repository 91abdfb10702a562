#!/usr/bin/env python3
"""bench/report.py WORKDIR OUT.json: turn what bench/run.sh measured into
the table it prints and the JSON it writes (the same figures).

Every figure comes from the samples of this run: medians and percentiles are
nearest-rank over all rounds of a row, ratios are medians of this run divided
pair by pair.  Targets are checked here (unless --smoke)."""
import json
import statistics
import math
import os
import platform
import sys

W, OUT = sys.argv[1], sys.argv[2]


def meta():
    m = {}
    try:
        with open(os.path.join(W, "meta.env")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                m[k] = v  # later lines win
    except OSError:
        pass
    return m


M = meta()
FRESH = {}  # row -> [iterations that waited for the previous sandbox to go, still not gone]
CHECK = M.get("check") == "1"


def pct(v, p):
    if not v:
        return None
    k = max(1, min(len(v), math.ceil(p / 100.0 * len(v))))
    return v[k - 1]


def stats(v):
    v = sorted(v)
    if not v:
        return None
    return {"n": len(v), "median": pct(v, 50), "p90": pct(v, 90), "p99": pct(v, 99),
            "mean": round(sum(v) / len(v), 1), "min": v[0], "max": v[-1]}


def raw(name):
    """Samples of a row: list of columns (open, close) or (wall,)."""
    cols = []
    try:
        with open(os.path.join(W, "raw", name + ".txt")) as f:
            for line in f:
                x = [float(t) for t in line.split()]
                while len(cols) < len(x):
                    cols.append([])
                for i, t in enumerate(x):
                    cols[i].append(t)
    except OSError:
        return None
    return cols


def runs(name):
    """Failures and first error of a row, over its rounds."""
    global FRESH
    failed, total, err = 0, 0, ""
    try:
        with open(os.path.join(W, "json", name + ".json")) as f:
            for line in f:
                try:
                    j = json.loads(line)
                except ValueError:
                    continue
                failed += j.get("failed", 0)
                FRESH.setdefault(name, [0, 0])
                FRESH[name][0] += j.get("fresh_waits", 0)
                FRESH[name][1] += j.get("not_fresh", 0)
                total += j.get("runs", 0)
                err = err or j.get("error", "")
    except OSError:
        pass
    return failed, total, err


def jsonl(name):
    out = []
    try:
        with open(os.path.join(W, "json", name + ".json")) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def fmt(x, nd=0):
    if x is None:
        return "-"
    if isinstance(x, float) and nd == 0:
        return f"{x:.0f}"
    return f"{x:.{nd}f}"


def table(title, header, rows):
    lines = [f"\n## {title}\n"]
    w = [len(h) for h in header]
    srows = [[str(c) for c in r] for r in rows]
    for r in srows:
        for i, c in enumerate(r):
            w[i] = max(w[i], len(c))
    lines.append("| " + " | ".join(h.ljust(w[i]) for i, h in enumerate(header)) + " |")
    lines.append("|" + "|".join("-" * (x + 2) for x in w) + "|")
    for r in srows:
        lines.append("| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |")
    return "\n".join(lines)


res = {"machine": {}, "meta": M, "pam": {}, "peers": {}, "ratios": [], "ssh": None,
       "scale": [], "leaks": {}, "targets": []}
text = []

# ---- machine --------------------------------------------------------------
mem_kb = 0
with open("/proc/meminfo") as f:
    for line in f:
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
res["machine"] = {"nproc": os.cpu_count(), "kernel": platform.release(),
                  "mem_gib": round(mem_kb / 1048576, 1)}
try:
    with open("/etc/os-release") as f:
        for line in f:
            if line.startswith("PRETTY_NAME="):
                res["machine"]["os"] = line.split("=", 1)[1].strip().strip('"')
except OSError:
    pass
mc = res["machine"]
text.append(f"# pam_sandbox benchmark{' (smoke run: targets not checked)' if M.get('smoke') == '1' else ''}\n")
text.append(f"machine: {mc.get('os', '?')}, kernel {mc['kernel']}, {mc['nproc']} CPUs, {mc['mem_gib']} GiB; "
            f"commit {M.get('commit', '?')}{' +' + M['dirty'] + ' uncommitted files' if M.get('dirty', '0') != '0' else ''}")
if M.get("module_ok") != "1":
    text.append(f"pam_sandbox NOT measured: {M.get('module_why', '?')}")
text.append(f"state directories on {M.get('state_fs', '?')}")
text.append("all times in microseconds (us); medians/percentiles over every sample of this run")

# ---- PAM stacks -----------------------------------------------------------
PAM_ROWS = [
    ("permit", "pam_permit (libpam's own cost)"),
    ("sandbox_developer_first", "pam_sandbox developer, first login (creates)"),
    ("sandbox_developer_join", "pam_sandbox developer, joining login"),
    ("sandbox_restricted_first", "pam_sandbox restricted, first login (creates)"),
    ("sandbox_restricted_join", "pam_sandbox restricted, joining login"),
    ("namespace_bind", "pam_namespace /tmp polyinst. (bind, method user)"),
    ("namespace_tmpfs", "pam_namespace /tmp polyinst. (tmpfs)"),
    ("exec_unshare", "pam_exec unshare -m -i -u -p -f (open only)"),
    ("exec_unshare_net", "pam_exec unshare -m -i -u -p -n -f (open only)"),
]
rows = []
for key, label in PAM_ROWS:
    cols = raw(key)
    failed, total, err = runs(key)
    if cols is None and not total:
        continue
    so = stats(cols[0]) if cols else None
    sc = stats(cols[1]) if cols and len(cols) > 1 else None
    res["pam"][key] = {"label": label, "open": so, "close": sc, "failed": failed, "runs": total, "error": err,
                       "fresh_waits": FRESH.get(key, [0, 0])[0], "not_fresh": FRESH.get(key, [0, 0])[1]}
    rows.append([label, fmt(so and so["median"]), fmt(so and so["p90"]), fmt(so and so["p99"]),
                 fmt(sc and sc["median"]), fmt(sc and sc["p90"]), fmt(sc and sc["p99"]),
                 so["n"] if so else 0, failed])
if rows:
    text.append(table("PAM session stacks: each login in a freshly forked process (cgroup_driver \"none\")",
                      ["stack", "open med", "p90", "p99", "close med", "p90", "p99", "n", "failed"], rows))
    nf = [f"{k}: {v['not_fresh']}" for k, v in res["pam"].items() if v["not_fresh"]]
    if nf:
        text.append("first logins that found the previous sandbox still alive (measured a join): " + ", ".join(nf))
    errs = [f"  {k}: {v['error']}" for k, v in res["pam"].items() if v["error"]]
    if errs:
        text.append("first errors:\n" + "\n".join(errs))

# ---- what the host charges whoever asks -------------------------------------
fl = raw("floor")
res["floor"] = {}
if fl and len(fl) > 1:
    res["floor"] = {"nss": stats(fl[0]), "audit": stats(fl[1])}
    rows = [["name service: getgrouplist() of a bench user", *[fmt(res["floor"]["nss"][k]) for k in ("median", "p90", "p99")],
             res["floor"]["nss"]["n"]],
            ["one audit user record (libaudit: open, send, ack, close)",
             *[fmt(res["floor"]["audit"][k]) for k in ("median", "p90", "p99")], res["floor"]["audit"]["n"]]]
    text.append(table("What the host charges any login: each in a freshly forked process",
                      ["operation", "median", "p90", "p99", "n"], rows))

# ---- whole-process peers --------------------------------------------------
PEER_ROWS = [
    ("true", "fork+exec `true` alone"),
    ("unshare_dev", "unshare -m -i -u -p -f true"),
    ("unshare_res", "unshare -m -i -u -p -n -f true"),
    ("bwrap_dev", "bwrap ipc,pid,uts ro / tmpfs /tmp"),
    ("bwrap_res", "bwrap --unshare-all ro / tmpfs /tmp"),
    ("firejail_dev", "firejail private-tmp caps.drop"),
    ("firejail_res", "firejail private-tmp net=none caps.drop nonewprivs"),
]
rows = []
true_med = None
for key, label in PEER_ROWS:
    cols = raw(key)
    failed, total, _ = runs(key)
    if cols is None and not total:
        continue
    s = stats(cols[0]) if cols else None
    res["peers"][key] = {"label": label, "wall": s, "failed": failed, "runs": total}
    if key == "true" and s:
        true_med = s["median"]
    over = s["median"] - true_med if (s and true_med is not None and key != "true") else None
    rows.append([label, fmt(s and s["median"]), fmt(s and s["p90"]), fmt(s and s["p99"]), fmt(over),
                 s["n"] if s else 0, failed])
if rows:
    text.append(table("Whole-process peers: fork to waitpid of the sandboxed `true`",
                      ["peer", "median", "p90", "p99", "minus `true`", "n", "failed"], rows))


def med(d, key, col="open"):
    e = d.get(key)
    if not e:
        return None
    s = e.get(col) if col in e else None
    return s["median"] if s else None


# ---- ratios, pair by pair -----------------------------------------------------
permit = med(res["pam"], "permit")
rows = []
for role, ns_peer, proc_sfx in (("developer", "exec_unshare", "dev"), ("restricted", "exec_unshare_net", "res")):
    sb = med(res["pam"], f"sandbox_{role}_first")
    if sb is None:
        continue
    pairs = [("pam_namespace bind", med(res["pam"], "namespace_bind"), permit),
             ("pam_namespace tmpfs", med(res["pam"], "namespace_tmpfs"), permit),
             ("pam_exec unshare", med(res["pam"], ns_peer), permit),
             ("unshare(1)", med(res["peers"], f"unshare_{proc_sfx}", "wall"), true_med),
             ("bwrap", med(res["peers"], f"bwrap_{proc_sfx}", "wall"), true_med),
             ("firejail", med(res["peers"], f"firejail_{proc_sfx}", "wall"), true_med)]
    for name, peer, base in pairs:
        if peer is None:
            continue
        r_raw = sb / peer
        r_net = None
        if base is not None and permit is not None and peer - base > 0:
            r_net = (sb - permit) / (peer - base)
        res["ratios"].append({"role": role, "peer": name, "sandbox_us": sb, "peer_us": peer,
                              "ratio": round(r_raw, 3), "ratio_net": r_net and round(r_net, 3)})
        rows.append([role, name, fmt(sb), fmt(peer), f"{r_raw:.2f}", fmt(r_net, 2) if r_net else "-",
                     f"{1 / r_raw:.1f}x" if r_raw < 1 else f"{r_raw:.1f}x slower"])
if rows:
    text.append(table("pam_sandbox first-login open vs each peer (medians of this run)",
                      ["role", "peer", "sandbox", "peer", "ratio", "ratio net", "sandbox is"], rows))
    text.append("ratio = sandbox / peer.  ratio net = (sandbox - pam_permit) / (peer - its baseline: "
                "pam_permit for PAM peers, `true` for whole-process peers).")

# ---- ssh --------------------------------------------------------------------
ssh = jsonl("ssh")
if ssh:
    j = ssh[0]
    p = stats([x / 1.0 for x in j.get("permit", [])])
    s = stats([x / 1.0 for x in j.get("sandbox", [])]) if "sandbox" in j else None
    res["ssh"] = {"without": p, "with": s, "failed_without": j.get("permit_failed"),
                  "failed_with": j.get("sandbox_failed"), "error": j.get("error")}
    rows = [["without pam_sandbox", fmt(p and p["median"] / 1000, 1), fmt(p and p["p90"] / 1000, 1),
             p["n"] if p else 0, j.get("permit_failed", 0)]]
    if s:
        rows.append(["with pam_sandbox (developer)", fmt(s["median"] / 1000, 1), fmt(s["p90"] / 1000, 1),
                     s["n"], j.get("sandbox_failed", 0)])
        res["ssh"]["ratio"] = round(s["median"] / p["median"], 4) if p else None
    text.append(table("Whole ssh login to a private sshd on 127.0.0.1 (`ssh user@127.0.0.1 true`, interleaved)",
                      ["login", "median ms", "p90 ms", "n", "failed"], rows))
    if s and p:
        text.append(f"ratio of the medians with/without: {s['median'] / p['median']:.3f} "
                    f"({(s['median'] - p['median']) / 1000:+.1f} ms)")
        # The logins alternate with and without the module, login by
        # login: pair them.  The median of the paired differences cancels
        # the machine's slow drift that moves two separate medians by a few
        # percent between runs; its 95 % interval is the order statistics
        # of the sign test.
        a, b = j.get("permit", []), j.get("sandbox", [])
        if len(a) == len(b) and len(a) >= 10 and not j.get("permit_failed") and not j.get("sandbox_failed"):
            d = sorted(y - x for x, y in zip(a, b))
            n = len(d)
            md = statistics.median(d)
            k = max(0, int(n / 2 - 0.98 * n ** 0.5))
            lo, hi = d[k], d[n - 1 - k]
            res["ssh"]["paired"] = {"n": n, "median_diff_us": md, "ci95_us": [lo, hi],
                                    "ratio": round(1 + md / p["median"], 4)}
            res["ssh"]["ratio"] = res["ssh"]["paired"]["ratio"]
            text.append(f"paired (login i with vs login i without, {n} pairs): median difference "
                        f"{md / 1000:+.1f} ms (95 % interval {lo / 1000:+.1f} .. {hi / 1000:+.1f} ms), "
                        f"ratio {1 + md / p['median']:.3f}; the target is checked on this ratio")

# ---- scale ------------------------------------------------------------------
sc = jsonl("scale")
res["scale_raw"] = sc
if sc:
    by = {(e["stack"], e["k"]): e for e in sc}
    ks = sorted({e["k"] for e in sc})
    rows = []
    for st in sorted({e["stack"] for e in sc if e["stack"] != "permit"}):
        role = st.replace("sandbox_", "")
        base1 = None
        for k in ks:
            e = by.get((st, k))
            if not e:
                continue
            pe = by.get(("permit", k), {})
            fo = stats((raw(f"scale_{st}_first_{k}") or [[]])[0])
            jo = stats((raw(f"scale_{st}_join_{k}") or [[]])[0])
            kmem = None
            if e["kmem_bytes"] >= 0 and pe.get("kmem_bytes", -1) >= 0:
                kmem = (e["kmem_bytes"] - pe["kmem_bytes"]) / k / 1024
            mi = (e["meminfo_kb_delta"] - pe.get("meminfo_kb_delta", 0)) / k
            if k == ks[0] and fo:
                base1 = fo["median"]
            ratio = fo["median"] / base1 if (fo and base1) else None
            row = {"role": role, "k": k, "held": e["held"], "open_first": fo, "open_join": jo,
                   "open_ratio_to_first_k": ratio and round(ratio, 3),
                   "kmem_kb_per_sandbox": kmem and round(kmem, 1),
                   "meminfo_kb_per_sandbox": round(mi, 1),
                   "kmem_bytes": e["kmem_bytes"], "kmem_bytes_permit": pe.get("kmem_bytes"),
                   "meminfo_kb_delta": e["meminfo_kb_delta"], "meminfo_kb_delta_permit": pe.get("meminfo_kb_delta")}
            res["scale"].append(row)
            rows.append([role, k, e["held"].replace("READY ", ""), fmt(fo and fo["median"]), fmt(ratio, 2),
                         fmt(jo and jo["median"]), fmt(kmem, 1), fmt(mi, 1)])
    text.append(table("Scale: K users' sandboxes alive at once",
                      ["role", "K", "held", "first open med", "x K=" + str(ks[0]), "join open med",
                       "kmem kB/sandbox", "meminfo kB/sandbox"], rows))
    text.append("kmem: memory cgroup (v1) kernel memory of the sessions and their sandboxes, minus the same "
                "number of pam_permit sessions, per sandbox.  meminfo: delta of Slab+KernelStack+PageTables+"
                "SecPageTables+Percpu in /proc/meminfo (whole machine, noisy), minus the pam_permit delta, per sandbox.")

# ---- leaks --------------------------------------------------------------------
lk = jsonl("leaks")
inproc = {r: (jsonl("inproc_" + r) or [None])[0] for r in ("permit", "developer", "restricted")}
rows = []
for e in lk:
    name = e["name"]
    drv = (jsonl("leak_" + name) or [{}])[0] if not name.startswith("inproc_") else inproc.get(name[7:]) or {}
    bad = [x for x in ("procs", "mounts", "cgroups", "state") if e.get(x)]
    if e.get("nsfs"):
        bad.append("nsfs")
    extra = ""
    ok = not bad and drv.get("failed", 1) == 0
    if name.startswith("inproc_") and drv:
        ctl = inproc.get("permit") or {}
        dfd = drv["fd_after"] - drv["fd_before"]
        growth = drv["heap_after"] - drv["heap_mid"]
        ctl_growth = (ctl.get("heap_after", 0) - ctl.get("heap_mid", 0)) if ctl else 0
        half = max(1, (drv.get("runs", 2) - 20) // 2)
        extra = (f"fd {drv['fd_before']}->{drv['fd_after']}, heap 2nd half {growth:+d} B = {growth / half:+.0f} B/cycle "
                 f"(pam_permit {ctl_growth:+d} B), rss {drv['rss_kb_before']}->{drv['rss_kb_after']} kB, "
                 f"own mntns kept: {drv.get('mntns_same')}")
        if dfd != 0:
            bad.append("fd")
        if growth > max(ctl_growth, 0) + 4096:
            bad.append("heap")
        ok = not bad and drv.get("failed", 1) == 0
    e["ok"] = ok
    e["driver"] = drv
    res["leaks"][name] = e
    rows.append([name, drv.get("runs", "-"), drv.get("failed", "-"), "none" if not bad else ",".join(bad),
                 extra or "; ".join(f"{x}: {e[x][:80]}" for x in ("procs", "mounts", "cgroups", "state") if e.get(x))
                 or "-", "PASS" if ok else "FAIL"])
if rows:
    text.append(table("Leaks: what is left after the cycles",
                      ["run", "cycles", "failed", "left", "details", "result"], rows))
    text.append("checked: processes left in the run's cgroup, host mounts (mount point, type, source), "
                "nsfs mounts, cgroup directories, state files; in-process: descriptors, heap (mallinfo2), RSS.")

# ---- targets ------------------------------------------------------------------
T = res["targets"]


def target(name, value, limit, ok, unit=""):
    T.append({"target": name, "value": value, "limit": limit, "pass": bool(ok) if value is not None else None})


# The time targets are what pam_sandbox adds to a session: the stack's
# median minus pam_permit's (libpam's own cost, the baseline to
# subtract), both of this run.  The comparison with pam_namespace is of raw
# medians (both carry libpam).
permit_close = med(res["pam"], "permit", "close")


def net(v, base):
    return None if v is None or base is None else v - base


for role in ("developer", "restricted"):
    f = res["pam"].get(f"sandbox_{role}_first")
    jn = res["pam"].get(f"sandbox_{role}_join")
    if not f:
        continue
    fo = f["open"] and f["open"]["median"]
    fo_net = net(fo, permit)
    target(f"{role}: first-login open median - pam_permit <= 1500 us", fo_net, 1500,
           fo_net is not None and fo_net <= 1500)
    nsb = med(res["pam"], "namespace_bind")
    nst = med(res["pam"], "namespace_tmpfs")
    if nsb is not None:
        best = min(x for x in (nsb, nst) if x is not None)
        target(f"{role}: first-login open <= pam_namespace (fastest variant)", fo, best, fo is not None and fo <= best)
    fc_net = net(f["close"] and f["close"]["median"], permit_close)
    target(f"{role}: close (last session: teardown) median - pam_permit <= 500 us", fc_net, 500,
           fc_net is not None and fc_net <= 500)
    if jn:
        jo_net = net(jn["open"] and jn["open"]["median"], permit)
        jc_net = net(jn["close"] and jn["close"]["median"], permit_close)
        target(f"{role}: joining-login open median - pam_permit <= 300 us", jo_net, 300,
               jo_net is not None and jo_net <= 300)
        target(f"{role}: close (joined session) median - pam_permit <= 500 us", jc_net, 500,
               jc_net is not None and jc_net <= 500)
if res["ssh"] and res["ssh"].get("ratio"):
    target("ssh login with module <= 1.03 x without", res["ssh"]["ratio"], 1.03, res["ssh"]["ratio"] <= 1.03)
for row in res["scale"]:
    if row["kmem_kb_per_sandbox"] is not None and row["k"] >= 100:
        target(f"{row['role']}: kernel memory per live sandbox at K={row['k']} <= 300 kB",
               row["kmem_kb_per_sandbox"], 300, row["kmem_kb_per_sandbox"] <= 300)
ks = sorted({r["k"] for r in res["scale"]})
for row in res["scale"]:
    if len(ks) > 1 and row["k"] == ks[-1] and row["open_ratio_to_first_k"] is not None:
        target(f"{row['role']}: first-login open with {row['k']} live <= 1.25 x with {ks[0]}",
               row["open_ratio_to_first_k"], 1.25, row["open_ratio_to_first_k"] <= 1.25)
if res["leaks"]:
    allok = all(e["ok"] for e in res["leaks"].values())
    target("zero leaks", sum(0 if e["ok"] else 1 for e in res["leaks"].values()), 0, allok)

if T:
    rows = [[t["target"], fmt(t["value"], 3 if isinstance(t["value"], float) and t["value"] < 10 else 0)
             if t["value"] is not None else "-", t["limit"],
             ("PASS" if t["pass"] else "FAIL") if CHECK else "(smoke)"] for t in T]
    text.append(table("Targets", ["target", "measured", "limit", "result"], rows))
    if res["floor"]:
        text.append(f"The host's share of every pam_sandbox login above (floor table, this run): the name "
                    f"service {fmt(res['floor']['nss']['median'])} us when a group rule must be checked "
                    f"(the shipped configuration has group rules; bench users match none), one audit "
                    f"record {fmt(res['floor']['audit']['median'])} us.")

out = "\n".join(text) + "\n"
print(out)
res["table"] = out
with open(OUT, "w") as f:
    json.dump(res, f, indent=1)
    f.write("\n")
fails = [t for t in T if t["pass"] is False]
sys.exit(1 if (CHECK and fails) else 0)
