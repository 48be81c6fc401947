# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ftd-ha-upgrade developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0.txt)
"""Runs one of the collection's modules: its Rust binary, on the controller.

Every module of ftd.ha_upgrade is a binary of the Python package ftd-ha-upgrade (installed
beside the controller's Python by ``pip install -r requirements.txt`` or by ansible-builder)
that speaks Ansible's binary-module protocol. The action plugin of each module subclasses
BinaryModuleAction, which:

- runs on the controller whatever ``ansible_connection`` the inventory sets for the firewalls
  (the modules open their own SSH sessions to the units, with russh);
- when the task does not name the unit's address (``host``), fills the unit's connection
  options the task leaves out from the host's variables
  (``ansible_host``, ``ansible_port``, ``ansible_user``, the connection and become passwords,
  ``ansible_ssh_private_key_file``, ``ftd_known_hosts_content`` ...), so that an AWX machine
  credential works as it does for any other module;
- shows the module's progress lines (percent, script, state) while it runs, and a line at
  least every ``ftd_progress_interval`` seconds (60) when the unit says nothing new, because an
  install or a reboot wait takes up to an hour and AWX shows nothing else meanwhile.
"""

from __future__ import annotations

import importlib
import json
import os
import selectors
import shutil
import subprocess
import sysconfig
import tempfile
import time

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.release import __version__ as ansible_version
from ansible.utils.display import Display

import yaml

display = Display()

PACKAGE = 'ftd-ha-upgrade'
BINARY_PREFIX = 'ftd-ha-upgrade-'
# Set for the binary: it then writes each journal line to stderr behind PROGRESS_PREFIX.
PROGRESS_ENV = 'FTD_HA_UPGRADE_PROGRESS'
PROGRESS_PREFIX = 'FTD_PROGRESS '
DEFAULT_PROGRESS_INTERVAL = 60.0
# Stages that run for minutes: their progress shows at default verbosity, the others' at -v.
LONG_RUNNING = frozenset(('stage', 'install', 'wait_reboot'))
# Stages whose check-mode message is the dry run's account of them.
SAYS_WHAT_IT_WOULD_DO = frozenset(('readiness', 'install'))

# Option of the modules that log into a unit -> host variables that fill it, first defined wins.
HOST_VARIABLES = (
    ('host', ('ansible_host', 'inventory_hostname')),
    ('port', ('ansible_port', 'ansible_ssh_port')),
    ('username', ('ansible_user', 'ansible_ssh_user')),
    ('password', ('ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password')),
    ('private_key', ('ansible_ssh_private_key_file', 'ansible_private_key_file')),
    ('sudo_password', ('ftd_sudo_password', 'ansible_become_password', 'ansible_become_pass')),
    ('enable_password', ('ftd_enable_password',)),
    ('known_hosts', ('ftd_known_hosts',)),
    ('known_hosts_content', ('ftd_known_hosts_content',)),
    ('host_key_checking', ('ftd_host_key_checking',)),
    ('unit', ('inventory_hostname',)),
)
# Then what the command line or AWX gave for the connection (-u, --ask-pass, --ask-become-pass,
# --private-key): AWX answers the password prompts, so those never become variables.
PLAY_CONTEXT = (
    ('username', 'remote_user'),
    ('password', 'password'),
    ('sudo_password', 'become_pass'),
    ('private_key', 'private_key_file'),
)

_OPTIONS_CACHE = {}


def module_options(name):
    """The option names of a module, read from its documentation file."""
    if name not in _OPTIONS_CACHE:
        doc = importlib.import_module('ansible_collections.ftd.ha_upgrade.plugins.modules.' + name)
        # Once per task (each runs in a fresh worker): libyaml's loader when there is one.
        loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
        _OPTIONS_CACHE[name] = frozenset((yaml.load(doc.DOCUMENTATION, Loader=loader) or {}).get('options') or {})
    return _OPTIONS_CACHE[name]


def find_binary(name):
    """The module's binary: beside the Python running Ansible (where pip put it), else on PATH."""
    binary = BINARY_PREFIX + name
    beside = os.path.join(sysconfig.get_path('scripts'), binary)
    return beside if os.access(beside, os.X_OK) else shutil.which(binary)


def progress_line(unit, entry):
    """One line of the job's output from a journal entry."""
    percent = entry.get('percent')
    parts = [unit or entry.get('unit') or '?', entry.get('stage') or '?']
    if percent is not None:
        parts.append('%d%%' % percent)
    parts.append(entry.get('message') or '')
    return ' | '.join(parts)


class BinaryModuleAction(ActionBase):
    """Runs the module named by the task with its binary and relays its progress."""

    TRANSFERS_FILES = False
    # The modules connect to the units themselves: never start the inventory's connection
    # (network_cli would open a persistent SSH session of its own to the firewall).
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(BinaryModuleAction, self).run(tmp, task_vars)
        del tmp

        name = self._task.action.split('.')[-1]
        binary = find_binary(name)
        if binary is None:
            result.update(failed=True, msg=(
                'The binary %s%s of the ftd.ha_upgrade collection is not installed on this '
                'controller: install the Python package %s into the Python that runs Ansible '
                '(pip install -r ansible_collections/ftd/ha_upgrade/requirements.txt), or '
                'use the execution environment built from execution-environment.yml'
                % (BINARY_PREFIX, name, PACKAGE)))
            return result

        args = dict(self._task.args)
        # A task that names the unit's address itself talks to another device than the
        # inventory host it runs for (a task on localhost): it gives its own login too.
        if 'host' in module_options(name) and args.get('host') is None:
            self._fill_from_host(args, task_vars)
        args.update(self._internal_args())

        interval = float(task_vars.get('ftd_progress_interval', DEFAULT_PROGRESS_INTERVAL))
        unit = args.get('unit') or task_vars.get('inventory_hostname')
        show = display.display if name in LONG_RUNNING else display.v
        rc, stdout, stderr = self._run_binary(binary, args, Progress(show, unit, name, interval))

        try:
            returned = json.loads(stdout)
            if not isinstance(returned, dict):
                raise ValueError('not a JSON object')
        except ValueError:
            result.update(failed=True, rc=rc, module_stdout=stdout, module_stderr=stderr, msg=(
                'MODULE FAILURE: %s printed no result (exit code %s); see module_stdout and '
                'module_stderr' % (os.path.basename(binary), rc)))
            return result
        result.update(returned)
        self._show_outcome(name, unit, returned)
        if stderr.strip() and returned.get('failed'):
            result['module_stderr'] = stderr
        return result

    def _show_outcome(self, name, unit, returned):
        """What an operator reads in the output without -v: the plan of a pair, and in check
        mode what a stage would do (no debug task after each step: one task result less per
        unit and step, which is what a large fleet's controller pays for)."""
        if returned.get('failed'):
            return
        if name == 'plan' and returned.get('lines'):
            display.display('\n'.join([returned.get('msg', '').split(':')[0] + ':'] + returned['lines']))
        elif self._task.check_mode and name in SAYS_WHAT_IT_WOULD_DO and returned.get('msg'):
            display.display('%s | %s | check mode: %s' % (unit, name, returned['msg']))

    def _fill_from_host(self, args, task_vars):
        """Options the task does not give, from the host's connection variables (and what the
        command line or AWX gave for the connection)."""
        for option, variables in HOST_VARIABLES:
            if args.get(option) is not None:
                continue
            for variable in variables:
                value = task_vars.get(variable)
                if value is not None:
                    value = self._templar.template(value)
                # Empty is unset: a credential's injector renders a field left blank as ''.
                if value is not None and value != '':
                    args[option] = value
                    break
        for option, attribute in PLAY_CONTEXT:
            value = getattr(self._play_context, attribute, None)
            if args.get(option) is None and value:
                args[option] = value

    def _internal_args(self):
        """The `_ansible_*` keys a binary module gets from Ansible."""
        return {
            '_ansible_check_mode': bool(self._task.check_mode),
            '_ansible_diff': bool(self._task.diff),
            '_ansible_no_log': bool(self._task.no_log),
            '_ansible_verbosity': display.verbosity,
            '_ansible_version': ansible_version,
            '_ansible_module_name': self._task.action,
        }

    def _run_binary(self, binary, args, progress):
        """Runs the binary, showing its progress lines; returns (rc, stdout, other stderr)."""
        workdir = tempfile.mkdtemp(prefix='ftd-ha-upgrade-')  # 0700: the args hold passwords
        args_path = os.path.join(workdir, 'args')
        try:
            fd = os.open(args_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, 'w') as args_file:
                json.dump(args, args_file)
            env = dict(os.environ)
            env[PROGRESS_ENV] = '1'
            process = subprocess.Popen(
                [binary, args_path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env)
            try:
                return follow(process, progress)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


class Progress(object):
    """Shows a module's progress lines, and a line when it has said nothing for `interval`."""

    def __init__(self, show, unit, stage, interval):
        self.show = show
        self.unit = unit
        self.stage = stage
        self.interval = interval
        self.started = self.last_shown = time.monotonic()
        self.last_entry = None

    def line(self, text):
        """A stderr line of the binary: True when it was a progress line."""
        if not text.startswith(PROGRESS_PREFIX):
            return False
        try:
            entry = json.loads(text[len(PROGRESS_PREFIX):])
        except ValueError:
            return False
        self.last_entry = entry
        self.show(progress_line(self.unit, entry))
        self.last_shown = time.monotonic()
        return True

    def tick(self):
        now = time.monotonic()
        if now - self.last_shown >= self.interval:
            last = self.last_entry.get('message') if self.last_entry else None
            self.show('%s | %s | still running (%s)%s' % (
                self.unit, self.stage, elapsed(now - self.started), '; last: %s' % last if last else ''))
            self.last_shown = now


def follow(process, progress):
    """Reads the binary's stdout (its result) and stderr (progress lines, anything else)
    until both close; returns (rc, stdout, the stderr lines that were not progress)."""
    stdout = []
    pending = b''
    other = []
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ, 'stdout')
    selector.register(process.stderr, selectors.EVENT_READ, 'stderr')
    open_streams = 2
    while open_streams:
        for ready in selector.select(timeout=1.0):
            key = ready[0]
            data = os.read(key.fileobj.fileno(), 65536)
            if not data:
                selector.unregister(key.fileobj)
                open_streams -= 1
            elif key.data == 'stdout':
                stdout.append(data)
            else:
                pending += data
                *lines, pending = pending.split(b'\n')
                for line in lines:
                    text = to_text(line, errors='surrogate_or_replace')
                    if not progress.line(text):
                        other.append(text)
        progress.tick()
    if pending:
        other.append(to_text(pending, errors='surrogate_or_replace'))
    rc = process.wait()
    return rc, to_text(b''.join(stdout), errors='surrogate_or_replace'), '\n'.join(other)


def elapsed(seconds):
    minutes, seconds = divmod(int(seconds), 60)
    return '%dm%02ds' % (minutes, seconds) if minutes else '%ds' % seconds
