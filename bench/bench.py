#!/usr/bin/env python3
"""Benchmarks of ftd-ha-upgrade against ftd-sim, side by side with netmiko, in one run.

    bench/run.sh            # full: writes bench/RESULTS.md (about 20 minutes)
    bench/run.sh --short    # what CI runs so that the harness cannot rot (about 2 minutes)

Benchmarks are not tests: nothing here fails on a number. Every figure is a median with its
spread over repeated runs, measured on this machine in this run.
"""

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# ansible-playbook, and the module binaries the build installs beside it (scripts/build-wheel.sh).
ANSIBLE_BIN = ROOT / ".venv" / "bin"
BENCH_PYTHON = sys.executable


def module(name):
    return ANSIBLE_BIN / f"ftd-ha-upgrade-{name}"
# Device seconds on the critical path of one pair (ftd-sim's Timing): readiness of both units
# in parallel, then per unit install + boot + validation, and the two swaps.
DEVICE_SECONDS_PER_PAIR = 55 + 2 * (1800 + 600 + 300) + 2 * 2


def env():
    e = dict(os.environ)
    e.update(ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", PATH=f"{ANSIBLE_BIN}:{e['PATH']}")
    return e


class Sim:
    """ftd-sim started through scripts/sim-up.sh in a temporary directory."""

    def __init__(self, *args):
        self.dir = Path(tempfile.mkdtemp(prefix="ftd-bench-"))
        subprocess.run([ROOT / "scripts" / "sim-up.sh", self.dir, *map(str, args)], check=True, capture_output=True)
        self.pid = int((self.dir / "sim.pid").read_text())
        self.inventory = self.dir / "inventory.yml"
        inv = yaml.safe_load(self.inventory.read_text())["all"]["children"]["ftd"]
        self.hosts, self.vars = inv["hosts"], inv["vars"]

    def events(self):
        return [json.loads(l) for l in (self.dir / "events.jsonl").read_text().splitlines() if l.strip()]

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        subprocess.run([ROOT / "scripts" / "sim-down.sh", self.dir], check=False, capture_output=True)
        # A fleet's simulator folder holds hundreds of MB of journals and events; CI's disk
        # is small. FTD_BENCH_KEEP=1 keeps them for a look afterwards.
        if not os.environ.get("FTD_BENCH_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def module_args(self, host, **extra):
        h = self.hosts[host]
        args = {
            "host": "127.0.0.1",
            "port": h["ansible_port"],
            "password": h["ansible_password"],
            "known_hosts": self.vars["ftd_known_hosts"],
            "unit": host,
            "journal": "",
        }
        args.update(extra)
        return args


GNU_TIME = Path("/usr/bin/time")


def run_measured(cmd, stdin_devnull=True, environ=None):
    """Wall, CPU (user+sys of the process and every descendant it reaped) and peak RSS.

    Peak RSS comes from GNU time when it is installed: a child forked from this Python
    process inherits its high-water mark (about 14 MB) across exec, which would hide the
    footprint of a small binary; forked from `time`, the floor is that of `time`.
    """
    cmd = [str(c) for c in cmd]
    if GNU_TIME.exists():
        cmd = [str(GNU_TIME), "-f", "__MAXRSS_KB=%M"] + cmd
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=environ or env(),
                             stdin=subprocess.DEVNULL if stdin_devnull else None)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    rss_mb = usage.ru_maxrss / 1024
    if "__MAXRSS_KB=" in text:
        head, _, kb = text.rpartition("__MAXRSS_KB=")
        rss_mb, text = int(kb.split()[0]) / 1024, head
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": rss_mb, "rc": p.returncode, "out": text}


def med(xs):
    return statistics.median(xs)


def spread(xs, fmt="{:.3f}"):
    return f"{fmt.format(med(xs))} ({fmt.format(min(xs))}–{fmt.format(max(xs))})"


def write_args(sim, host, **extra):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(sim.module_args(host, **extra), f)
    f.close()
    return f.name


# 1. One module call ------------------------------------------------------------------------
def bench_module_cost(runs):
    rows = {}
    with Sim("--pairs", 1, "--time-scale", 1) as sim:
        host = "fw-1-a"
        h = sim.hosts[host]
        args_file = write_args(sim, host)
        netmiko = [BENCH_PYTHON, ROOT / "bench" / "netmiko_facts.py", "127.0.0.1", h["ansible_port"], "admin", h["ansible_password"]]
        module_args = json.dumps(sim.module_args(host))
        cases = {
            "ours: facts binary": [module("facts"), args_file],
            "netmiko script": netmiko,
            "ours: ansible -m ftd.ha_upgrade.facts": [ANSIBLE_BIN / "ansible", "localhost", "-m", "ftd.ha_upgrade.facts", "-a", module_args],
            "netmiko: ansible -m command": [ANSIBLE_BIN / "ansible", "localhost", "-m", "ansible.builtin.command", "-a",
                                            " ".join(map(str, netmiko))],
        }
        for name, cmd in cases.items():
            samples = []
            for _ in range(runs):
                r = run_measured(cmd)
                if r["rc"] != 0:
                    raise SystemExit(f"{name} failed:\n{r['out'][-2000:]}")
                samples.append(r)
            rows[name] = samples
    return rows


# 6. Staging throughput --------------------------------------------------------------------------
def bench_staging(size_mb, runs):
    """MB/s of `stage` on loopback, each way, beside the C tools over the same servers."""
    size = size_mb << 20
    mb = size / 1e6
    rows = {k: [] for k in ("ours: stage url (the unit's wget from the package server)",
                            "curl from the package server (HTTP limit)",
                            "ours: stage src (SFTP upload into the unit)",
                            "OpenSSH scp upload into the unit (SSH limit)")}
    for _ in range(runs):
        with Sim("--pairs", 1, "--time-scale", 1, "--package-server", "http", "--package-size", size) as sim:
            url, checksum = sim.vars["ftd_package_url"], sim.vars["ftd_package_checksum"]
            local = sim.dir / sim.vars["ftd_package"]
            r = run_measured(["curl", "-sS", "-o", local, url])
            assert r["rc"] == 0, r["out"]
            rows["curl from the package server (HTTP limit)"].append(mb / r["wall"])
            stage = module("stage")
            r = run_measured([stage, write_args(sim, "fw-1-a", url=url, checksum=checksum)])
            assert r["rc"] == 0, r["out"][-2000:]
            rows["ours: stage url (the unit's wget from the package server)"].append(mb / r["wall"])
            r = run_measured([stage, write_args(sim, "fw-1-b", src=str(local), checksum=checksum)])
            assert r["rc"] == 0, r["out"][-2000:]
            rows["ours: stage src (SFTP upload into the unit)"].append(mb / r["wall"])
            askpass = sim.dir / "askpass.sh"
            askpass.write_text(f"#!/bin/sh\necho '{sim.hosts['fw-1-b']['ansible_password']}'\n")
            askpass.chmod(0o700)
            os.environ.update(SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force")
            r = run_measured(["scp", "-q", "-P", sim.hosts["fw-1-b"]["ansible_port"], "-o",
                              f"UserKnownHostsFile={sim.vars['ftd_known_hosts']}", local,
                              "admin@127.0.0.1:/home/admin/copy.tar"])
            assert r["rc"] == 0, r["out"][-2000:]
            rows["OpenSSH scp upload into the unit (SSH limit)"].append(mb / r["wall"])
    return rows


# 2. Reboot-return detection ------------------------------------------------------------------
def parse_time(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def bench_reboot_latency(reboots, poll):
    latencies = []
    with Sim("--pairs", reboots, "--time-scale", 0.002) as sim:
        for i in range(1, reboots + 1):
            host = f"fw-{i}-b"
            pkg = sim.vars["ftd_package"]
            r = run_measured([module("install"), write_args(sim, host, package=pkg, require_readiness=False, poll_interval=0.05)])
            assert '"rebooting":true' in r["out"], r["out"][-1000:]
            r = run_measured([module("wait_reboot"), write_args(sim, host, target_version=sim.vars["ftd_target_version"],
                                                                  package=pkg, already_down=True, poll_interval=poll, timeout=120)])
            returned = time.time()
            assert '"failed":false' in r["out"], r["out"][-1000:]
            validated = [e for e in sim.events() if e.get("event") == "validated" and e.get("unit") == host]
            latencies.append(returned - parse_time(validated[-1]["time"]))
    return latencies


# 3 and 4. Whole upgrades ---------------------------------------------------------------------
class ModuleMemory(threading.Thread):
    """Samples the RSS of every running module process (the binaries ftd-ha-upgrade-*)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_mb, self.stop = 0.0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            total = 0
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
                    if b"ftd-ha-upgrade-" in cmd:
                        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                            if line.startswith("VmRSS:"):
                                total += int(line.split()[1])
                except OSError:
                    continue
            self.peak_mb = max(self.peak_mb, total / 1024)
            time.sleep(0.05)


def run_upgrade(pairs, scale, tree=ROOT):
    """One whole upgrade of `pairs` pairs with the playbooks and ansible.cfg of `tree` (this
    checkout, or an older revision's: see fleet_cost) and this checkout's collection."""
    environ = env()
    environ.update(ANSIBLE_CONFIG=str(tree / "ansible.cfg"), ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build"))
    with Sim("--pairs", pairs, "--time-scale", scale) as sim:
        memory = ModuleMemory()
        memory.start()
        r = run_measured([ANSIBLE_BIN / "ansible-playbook", "-i", sim.inventory, "-f", str(max(2 * pairs, 5)),
                          tree / "playbooks" / "upgrade_ha.yml", "-e", f"ftd_journal={sim.dir}/journal.jsonl"],
                         environ=environ)
        memory.stop.set()
        memory.join()
        if r["rc"] != 0:
            raise SystemExit(f"upgrade of {pairs} pair(s) failed:\n{r['out'][-3000:]}")
        r["sim_cpu"] = sim.cpu_seconds()
        r["modules_peak_mb"] = memory.peak_mb
        r["device_seconds"] = DEVICE_SECONDS_PER_PAIR * scale
        r["events"] = sim.events()
    return r


def poll_bytes(events):
    """`tail -c +N` polls of the upgrade log: (offset N, bytes the unit sent back)."""
    polls = []
    for e in events:
        c = e.get("command", "")
        if e.get("event") == "command" and c.startswith("tail -c +") and "upgrade_status.log" in c:
            polls.append((int(c.split("+")[1].split()[0]), e.get("bytes_out", 0)))
    return polls


# Report ----------------------------------------------------------------------------------------
def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")), "0")
    return f"{os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def staging_section(short):
    size_mb, runs = (16, 1) if short else (256, 3)
    staging = bench_staging(size_mb, runs)
    lines = ["## 6. Staging a package on loopback", "",
             f"A {size_mb} MiB package, {runs} run(s), each with a fresh sim; MB/s = size / wall time of the whole",
             "command (for `stage`: login, space check, transfer, checksum on the unit, move into place).", "",
             "| what | MB/s |", "|---|---|"]
    for name, xs in staging.items():
        lines.append(f"| {name} | {spread(xs, '{:.1f}')} |")
    lines.append("")
    return lines


def fleet_cost(before, pairs, scale):
    """Section 4c: the controller's cost per pair with the playbooks and ansible.cfg of
    revision `before` and of this checkout, side by side in one run (the same binaries, the
    same sim, one after the other for each fleet size)."""
    with tempfile.TemporaryDirectory(prefix="ftd-bench-before-") as old:
        archive = subprocess.run(["git", "-C", ROOT, "archive", before, "playbooks", "ansible.cfg"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
        rows, one = [], {}
        for n in pairs:
            measured = {}
            for name, tree in (("before", Path(old)), ("after", ROOT)):
                print(f"4c. {n} pair(s), {name}", flush=True)
                measured[name] = r = run_upgrade(n, scale, tree)
                one.setdefault(name, r["wall"])
            b, a = measured["before"], measured["after"]
            rows.append(f"| {n} | {b['wall']:.1f} | {b['wall'] / one['before']:.2f} | {b['cpu']:.1f} | {b['cpu'] / n:.2f} "
                        f"| {a['wall']:.1f} | {a['wall'] / one['after']:.2f} | {a['cpu']:.1f} | {a['cpu'] / n:.2f} "
                        f"| {a['modules_peak_mb']:.0f} | {a['modules_peak_mb'] / n:.1f} |")
    return ["### 4c. Controller cost per pair, before and after (one run)", "",
            f"Playbooks and ansible.cfg of `{before}` (before) and of this checkout (after), the same collection",
            f"binaries and sim, time scale {scale}, forks = 2 × pairs; controller CPU is ansible-playbook's whole",
            "process tree (its workers, the action plugins, the module binaries).", "",
            "| pairs | before wall s | x one pair | CPU s | CPU s per pair | after wall s | x one pair | CPU s | CPU s per pair "
            "| modules' peak RSS MB | per pair MB |",
            "|---|---|---|---|---|---|---|---|---|---|---|", *rows, "",
            f"Command: `cd bench && python bench.py --only-fleet-cost --before {before}`.", ""]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--short", action="store_true", help="CI mode: few repetitions, small fleet")
    ap.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    ap.add_argument("--only-module-cost", action="store_true", help="run section 1 alone")
    ap.add_argument("--only-staging", action="store_true", help="run section 6 alone")
    ap.add_argument("--only-fleet-cost", action="store_true", help="run section 4c alone (see --before)")
    ap.add_argument("--before", default="0e829d3", help="the revision 4c compares with")
    a = ap.parse_args()
    short = a.short
    runs = 2 if short else 10
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `bench/run.sh{' --short' if short else ''}` on {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {machine()}.",
        "Every figure: median (min–max) over the runs stated. Benchmarks never fail CI.",
        "",
    ]

    if a.only_fleet_cost:
        lines = fleet_cost(a.before, [1, 2] if short else [1, 10, 50], 0.01)
        Path(a.out).write_text("\n".join(lines))
        print("\n".join(lines))
        return

    if a.only_staging:
        lines = staging_section(short)
        Path(a.out).write_text("\n".join(lines))
        print("\n".join(lines))
        return

    print("1. module cost", flush=True)
    cost = bench_module_cost(runs)
    lines += [
        f"## 1. One module call against ftd-sim ({runs} runs each)",
        "",
        "Process start to JSON result on a fresh SSH login. Our `facts` does more than the netmiko script: besides",
        "`show version` and `show failover state` it reads `show failover`, enters expert mode and `sudo su` to list",
        "the packages, read the upgrade status and `df`.",
        "",
        "| what | wall s | CPU s | peak RSS MB |",
        "|---|---|---|---|",
    ]
    for name, s in cost.items():
        lines.append(f"| {name} | {spread([x['wall'] for x in s])} | {spread([x['cpu'] for x in s])} | {spread([x['rss_mb'] for x in s], '{:.1f}')} |")
    ours, theirs = cost["ours: facts binary"], cost["netmiko script"]
    ratio = lambda k: med([x[k] for x in theirs]) / max(med([x[k] for x in ours]), 1e-9)
    lines += ["", f"Ratios, netmiko / ours (same run): wall **{ratio('wall'):.1f}x**, CPU **{ratio('cpu'):.1f}x**, "
              f"peak memory **{ratio('rss_mb'):.1f}x**.", ""]

    if a.only_module_cost:
        Path(a.out).write_text("\n".join(lines))
        print("\n".join(lines))
        return

    print("2. reboot detection", flush=True)
    cases = [(2, 0.5)] if short else [(20, 1.0), (5, 15.0)]
    lines += ["## 2. Reboot-return detection", "",
              "From the sim's `validated` event (unit up, validated, Standby Ready) to `wait_reboot` returning.", "",
              "| reboots | poll_interval s | latency s | max s | target (poll + 1 s) met |", "|---|---|---|---|---|"]
    for n, poll in cases:
        lat = bench_reboot_latency(n, poll)
        lines.append(f"| {n} | {poll} | {spread(lat)} | {max(lat):.3f} | {'yes' if max(lat) <= poll + 1 else 'NO'} |")
    lines.append("")

    print("3. controller overhead", flush=True)
    scale = 0.004 if short else 0.055
    r = run_upgrade(1, scale)
    lines += ["## 3. Controller overhead of a whole HA upgrade", "",
              f"One pair, time scale {scale}: the device's own time on the critical path is {r['device_seconds']:.1f} s",
              f"({DEVICE_SECONDS_PER_PAIR} device seconds: readiness, two installs, two reboots and validations, two swaps).", "",
              f"Playbook wall time {r['wall']:.1f} s, ratio **{r['wall'] / r['device_seconds']:.3f}** (target under 1.10); "
              f"controller CPU {r['cpu']:.1f} s.", ""]

    print("5. bytes per poll", flush=True)
    polls = poll_bytes(r["events"])
    if polls:
        q = max(1, len(polls) // 4)
        early, late = [b for _, b in polls[:q]], [b for _, b in polls[-q:]]
        lines += ["## 5. Bytes read per poll while following the upgrade log", "",
                  f"{len(polls)} polls of `upgrade_status.log` (`tail -c +N`), the log growing to {polls[-1][0]} bytes.",
                  f"Bytes the unit sent per poll (echo, new lines, status marker, prompt): first quarter {spread(early, '{:.0f}')}, "
                  f"last quarter {spread(late, '{:.0f}')}. Reading the whole log each time would cost up to {polls[-1][0]} bytes a poll.", ""]

    print("6. staging", flush=True)
    lines += staging_section(short)

    print("4. fleet", flush=True)
    fleet = [1, 2] if short else [1, 10, 50]
    fscale = 0.004 if short else 0.01
    lines += ["## 4. Fleet", "", f"Pairs upgraded by one playbook run (forks = 2 × pairs), time scale {fscale}.", "",
              "| pairs | wall s | x one pair | controller CPU s | modules' peak RSS together MB | sim CPU s |", "|---|---|---|---|---|---|"]
    base = None
    for n in fleet:
        r = run_upgrade(n, fscale)
        base = base or r["wall"]
        lines.append(f"| {n} | {r['wall']:.1f} | {r['wall'] / base:.2f} | {r['cpu']:.1f} | {r['modules_peak_mb']:.0f} | {r['sim_cpu']:.1f} |")
    lines += ["", "Target: the largest fleet within 1.5 × the wall time of one pair.", ""]

    lines += ["## Commands", "", "```", "bench/run.sh" + (" --short" if short else ""), "```", ""]
    Path(a.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
