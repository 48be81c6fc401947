# Counts task results per host (ok, changed, failed, skipped, unreachable, and each include),
# which is what ansible-core's controller pays for, task by task, in a large fleet. Writes
# {"hosts": {host: n}, "once": n} to $FTD_RESULT_COUNT_FILE when the playbook ends; results of
# run_once tasks are counted apart, since they do not grow with the fleet.
from __future__ import annotations

import json
import os
from collections import Counter

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: count_results
type: aggregate
short_description: count task results per host (tests of ftd-ha-upgrade)
description: Writes the counts to the file named by FTD_RESULT_COUNT_FILE.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'count_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.hosts = Counter()
        self.once = 0

    def _count(self, result, *args, **kwargs):
        if result._task.run_once:
            self.once += 1
        else:
            self.hosts[result._host.get_name()] += 1

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = v2_runner_on_unreachable = _count

    def v2_playbook_on_include(self, included_file):
        for host in included_file._hosts:
            self.hosts[host.get_name()] += 1

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('FTD_RESULT_COUNT_FILE')
        if path:
            with open(path, 'w') as f:
                json.dump({'hosts': dict(self.hosts), 'once': self.once}, f)
