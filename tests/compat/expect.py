"""What one ansible-core version must have done in tests/compat/run.sh's runs.

Usage: expect.py WORK TARGET. WORK holds each run's log, exit status and outcome file, and the
simulator's events (its summary per pair when it stopped). Pair 1 is healthy; pair 2's
secondary fails its readiness check.
expect.py --hops WORK: the run of a pair that needs two hops (6.6.5-81 -> 7.0.6-236 -> 7.2.7-500).
"""

import json
import os
import re
import sys

hops = sys.argv[1] == '--hops'
work, target = (sys.argv[2], None) if hops else (sys.argv[1], sys.argv[2])
FROM, TO = '7.2.2-54', '7.2.7-500'


def read(name):
    with open(os.path.join(work, name)) as f:
        return f.read()


def rc(name):
    return int(read(name + '.rc'))


def recap(log):
    """PLAY RECAP counters per host."""
    out = {}
    for host, counters in re.findall(r'^(fw-\d-[ab])\s*:\s*(ok=.*)$', log, re.M):
        out[host] = {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', counters)}
    return out


def check(condition, what, log=None):
    if not condition:
        if log:
            sys.stderr.write(log[-4000:] + '\n')
        sys.exit('compat: %s' % what)


def last_summaries(events):
    """The simulator's last summary of each pair (written when it stopped)."""
    out = {}
    for line in read(events).splitlines():
        if '"event":"summary"' in line:
            event = json.loads(line)
            out[event['pair']] = event
    return out


if hops:
    log = read('hops.log')
    check(rc('hops') == 0, 'the two-hop upgrade failed', log)
    outcome = json.loads(read('hops-outcome.json'))['pair1']
    for unit, line in outcome.items():
        check('6.6.5-81 -> 7.0.6-236' in line and '(hop 1 of 2' in line and '7.0.6-236 -> 7.2.7-500' in line
              and '(hop 2 of 2' in line, '%s: %s' % (unit, line), log)
    one = last_summaries('hops-sim/events.jsonl')[1]
    check(one['versions'] == {'fw-1-a': TO, 'fw-1-b': TO} and one['installs'] == 4
          and one['installs_on_active'] == 0, 'two hops: %s' % one, log)
    print('compat: two hops in two rounds')
    sys.exit(0)

# 1. precheck: pair 1 ready, pair 2 not.
log = read('precheck.log')
check(rc('precheck') != 0, 'precheck passed although pair 2 fails its readiness check', log)
check(re.search(r'not ready: pair2"?$', log, re.M), 'precheck does not name pair 2 (alone) as not ready', log)
counts = recap(log)
# (the run's last task, run once on the first unit, is the one that fails)
check(all(counts.get(h, {}).get('rescued', 1) == 0 for h in ('fw-1-a', 'fw-1-b')),
      'precheck stopped pair 1: %s' % counts, log)

# 2. the dry run: both pairs planned, every unit read, nothing failed on pair 1.
log = read('check.log')
counts = recap(log)
check(set(counts) == {'fw-1-a', 'fw-1-b', 'fw-2-a', 'fw-2-b'}, 'check mode did not reach every unit: %s' % counts, log)
check(all(counts[h]['rescued'] == 0 and counts[h]['unreachable'] == 0 for h in ('fw-1-a', 'fw-1-b')),
      'check mode stopped pair 1: %s' % counts, log)
check(re.search(r'^1\. install fw-1-b: readiness check, install %s -> %s' % (FROM, re.escape(target)), log, re.M),
      'check mode shows no plan for pair 1', log)

# 3. the upgrade: pair 1 done, pair 2 stopped at readiness, the run failed naming pair 2.
log = read('upgrade.log')
check(rc('upgrade') != 0, 'the upgrade run passed although pair 2 stopped', log)
check('stopped pairs: pair2' in log, 'the run does not name pair 2 as stopped', log)
outcome = json.loads(read('upgrade-outcome.json'))
for unit in ('fw-1-a', 'fw-1-b'):
    check(outcome['pair1'][unit].startswith('upgraded: %s -> %s' % (FROM, TO)),
          '%s: %s' % (unit, outcome['pair1'][unit]), log)
pair2 = ' '.join(outcome['pair2'].values())
check('[readiness]' in pair2 and '410_check_disk_space' in pair2, 'pair 2 did not stop at readiness: %s' % pair2, log)

# What the simulated units went through (their last summary, written when the sim stopped).
summaries = last_summaries('sim/events.jsonl')
one, two = summaries[1], summaries[2]
check(one['versions'] == {'fw-1-a': TO, 'fw-1-b': TO}, 'pair 1 versions: %s' % one['versions'])
check(one['states'] == {'fw-1-a': 'Active', 'fw-1-b': 'Standby Ready'}, 'pair 1 roles not restored: %s' % one['states'])
check(one['installs'] == 2 and one['installs_on_active'] == 0 and one['unplanned_failovers'] == 0,
      'pair 1: %s' % one)
check(two['versions'] == {'fw-2-a': FROM, 'fw-2-b': FROM} and two['installs'] == 0 and two['failovers'] == 0,
      'pair 2 was changed: %s' % two)
print('compat: precheck, check mode and upgrade as expected (target written %s)' % target)
