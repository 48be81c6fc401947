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
import shlex
import subprocess
import sysconfig
import time

from ansible import constants as C
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
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

BECOME_PASSWORD = ('ansible_become_password', 'ansible_become_pass')
# become methods whose password is LINA's enable secret (cisco.asa / ansible.netcommon users).
ENABLE_METHODS = frozenset(('enable', 'ansible.netcommon.enable'))

# Option of the modules that log into a unit -> host variables that fill it, first defined wins.
# The become password goes to sudo_password or enable_password by the become method (below).
HOST_VARIABLES = (
    ('host', ('ansible_host', 'inventory_hostname')),
    ('port', ('ansible_port', 'ansible_ssh_port')),
    ('username', ('ansible_user', 'ansible_ssh_user')),
    ('password', ('ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password')),
    ('private_key', ('ansible_ssh_private_key_file', 'ansible_private_key_file')),
    ('sudo_password', ('ftd_sudo_password',)),
    ('enable_password', ('ftd_enable_password',)),
    ('known_hosts', ('ftd_known_hosts',)),
    ('known_hosts_content', ('ftd_known_hosts_content',)),
    # Ansible's own setting after ours: the ssh connection's variables, then
    # ANSIBLE_HOST_KEY_CHECKING / ansible.cfg's host_key_checking (host_key_checking_default).
    ('host_key_checking', ('ftd_host_key_checking', 'ansible_host_key_checking', 'ansible_ssh_host_key_checking')),
    ('connect_timeout', ('ftd_connect_timeout', 'ansible_connect_timeout')),
    ('command_timeout', ('ftd_command_timeout', 'ansible_command_timeout')),
    ('jump_host', ('ftd_jump_host',)),
    ('jump_port', ('ftd_jump_port',)),
    ('jump_username', ('ftd_jump_user',)),
    ('jump_password', ('ftd_jump_password',)),
    ('jump_private_key', ('ftd_jump_private_key_file',)),
    ('unit', ('inventory_hostname',)),
)
# Then what the command line or AWX gave for the connection (-u, --ask-pass, --ask-become-pass,
# --private-key): AWX answers the password prompts, so those never become variables.
PLAY_CONTEXT = (
    ('username', 'remote_user'),
    ('password', 'password'),
    ('private_key', 'private_key_file'),
)
# The SSH arguments a jump host is read from, as OpenSSH would (ProxyJump / -J).
SSH_ARGUMENTS = ('ansible_ssh_common_args', 'ansible_ssh_extra_args')

_OPTIONS_CACHE = {}


def module_options(name):
    """The option names of a module, read from its documentation file."""
    if name not in _OPTIONS_CACHE:
        doc = importlib.import_module('ansible_collections.ftd.ha_upgrade.plugins.modules.' + name)
        # Once per task (each runs in a fresh worker): libyaml's loader when there is one.
        loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
        _OPTIONS_CACHE[name] = frozenset((yaml.load(doc.DOCUMENTATION, Loader=loader) or {}).get('options') or {})
    return _OPTIONS_CACHE[name]


# A folder the operator names for the binaries instead of the one beside the running Python
# (a wheel installed elsewhere). Never PATH: a binary planted earlier on it would receive
# every password.
BIN_DIR_ENV = 'FTD_HA_UPGRADE_BIN_DIR'


def find_binary(name, environ=None):
    """(path, None) of the module's binary: in FTD_HA_UPGRADE_BIN_DIR when set, else beside
    the Python running Ansible (where pip put the wheel); (None, why) when there is none that
    may run: the binary receives the unit's passwords, so neither it nor its folder may be
    writable by another user."""
    environ = os.environ if environ is None else environ
    folder = environ.get(BIN_DIR_ENV) or sysconfig.get_path('scripts')
    path = os.path.join(folder, BINARY_PREFIX + name)
    if not os.access(path, os.X_OK):
        return None, None
    for what in (folder, path):
        unsafe = writable_by_others(what)
        if unsafe:
            return None, '%s is %s: a binary there could be replaced, and it receives the units\' passwords' % (what, unsafe)
    return path, None


def writable_by_others(path):
    """Why another user could change `path` (a file or folder), or None."""
    st = os.stat(path)
    if st.st_uid not in (0, os.geteuid()):
        return 'owned by another user (uid %d)' % st.st_uid
    if st.st_mode & 0o022:
        # A sticky folder (/tmp) still lets others create files in it.
        return 'writable by %s' % ('everyone' if st.st_mode & 0o002 else 'its group')
    return None


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
        binary, unsafe = find_binary(name)
        if unsafe:
            result.update(failed=True, msg='The binary of ftd.ha_upgrade.%s is not run: %s. Reinstall the '
                          'Python package %s where only its owner can write' % (name, unsafe, PACKAGE))
            return result
        if binary is None:
            result.update(failed=True, msg=(
                'The binary %s%s of the ftd.ha_upgrade collection is not installed beside the Python '
                'that runs Ansible (%s): install the Python package %s into it (pip install -r '
                'ansible_collections/ftd/ha_upgrade/requirements.txt), name the folder that holds the '
                'binaries in %s, or use the execution environment built from execution-environment.yml'
                % (BINARY_PREFIX, name, sysconfig.get_path('scripts'), PACKAGE, BIN_DIR_ENV)))
            return result

        args = dict(self._task.args)
        sources = {}
        # A task that names the unit's address itself talks to another device than the
        # inventory host it runs for (a task on localhost): it gives its own login too.
        if 'host' in module_options(name) and args.get('host') is None:
            try:
                sources = self._fill_from_host(args, task_vars)
            except InventoryError as e:
                result.update(failed=True, msg='%s [%s]: %s' % (task_vars.get('inventory_hostname'), name, e))
                return result
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
        if returned.get('failed') and isinstance(returned.get('msg'), str):
            returned['msg'] = name_sources(returned['msg'], sources)
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

    def _variable(self, task_vars, variable):
        """A host variable's value, templated; None when unset or empty (a credential's
        injector renders a field left blank as '')."""
        value = task_vars.get(variable)
        if value is not None:
            value = self._templar.template(value)
        return None if value is None or value == '' else value

    def _fill_from_host(self, args, task_vars):
        """Options the task does not give, from the host's connection variables (and what the
        command line or AWX gave for the connection). Returns {option: where it came from},
        for the messages of a rejected password."""
        sources = {}

        def fill(option, value, source):
            if args.get(option) is None and value is not None and value != '':
                args[option] = value
                sources[option] = source

        for option, variables in HOST_VARIABLES:
            for variable in variables:
                value = self._variable(task_vars, variable)
                if value is not None:
                    fill(option, value, 'the inventory variable ' + variable)
                    break
        for option, attribute in PLAY_CONTEXT:
            fill(option, getattr(self._play_context, attribute, None), 'the command line (or AWX credential)')

        # The become password: LINA's enable secret with the enable method (the cisco.asa
        # convention), else the password of sudo in expert mode (sudo is Ansible's default).
        method = self._variable(task_vars, 'ansible_become_method') or getattr(self._play_context, 'become_method', None)
        become_option = 'enable_password' if method in ENABLE_METHODS else 'sudo_password'
        for variable in BECOME_PASSWORD:
            value = self._variable(task_vars, variable)
            if value is not None:
                fill(become_option, value, 'the inventory variable %s, the become password of method %s' % (variable, method or 'sudo'))
                break
        fill(become_option, getattr(self._play_context, 'become_pass', None), 'the become password of the command line (or AWX credential)')

        if args.get('host_key_checking') is None:
            fill('host_key_checking', C.HOST_KEY_CHECKING, "Ansible's host_key_checking setting")
        if args.get('host_key_checking') is not None:
            args['host_key_checking'] = boolean(args['host_key_checking'], strict=False)

        if args.get('jump_host') is None:
            for variable in SSH_ARGUMENTS:
                jump = proxy_jump(self._variable(task_vars, variable), variable)
                if jump:
                    user, host, port = jump
                    fill('jump_host', host, 'the ProxyJump of ' + variable)
                    fill('jump_username', user, 'the ProxyJump of ' + variable)
                    fill('jump_port', port, 'the ProxyJump of ' + variable)
                    break
        return sources

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
        """Runs the binary, showing its progress lines; returns (rc, stdout, other stderr).

        The arguments (passwords among them) go through a pipe the binary inherits and reads
        as its arguments file (/dev/fd/N): they are never on disk, so nothing is left behind
        when the run is cancelled (an AWX cancel, SIGTERM or Ctrl-C to ansible-playbook, kills
        this worker before any cleanup could run)."""
        read_end, write_end = os.pipe()
        try:
            env = dict(os.environ)
            env[PROGRESS_ENV] = '1'
            process = subprocess.Popen(
                [binary, '/dev/fd/%d' % read_end], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env, pass_fds=(read_end,))
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)
        try:
            # The binary reads its arguments before it writes anything: no deadlock even when
            # they are larger than the pipe's buffer.
            data = memoryview(json.dumps(args).encode('utf-8'))
            try:
                while data:
                    data = data[os.write(write_end, data):]
            except BrokenPipeError:
                pass  # the binary ended without reading: its output says why
            finally:
                os.close(write_end)
            return follow(process, progress)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


class InventoryError(Exception):
    """An inventory value the plugin cannot follow: the task fails before any connection."""


def name_sources(msg, sources):
    """A module's failure says which option to check ("Check sudo_password"); the operator set
    an inventory variable, not the option: name it too."""
    for option, source in sources.items():
        needle = 'Check %s' % option
        if needle in msg:
            msg = msg.replace(needle, "Check %s (the module's %s)" % (source, option), 1)
    return msg


def proxy_jump(arguments, variable):
    """(user, host, port) of the jump host that SSH arguments name (``-o ProxyJump=...``,
    ``-J ...``, or a ProxyCommand of the form ``ssh -W %h:%p [user@]bastion``), None when they
    name none. A chain of jump hosts or another ProxyCommand is refused: the unit must not be
    reached another way than the inventory says."""
    if not arguments:
        return None
    try:
        words = shlex.split(arguments)
    except ValueError as e:
        raise InventoryError('%s cannot be read as SSH arguments: %s' % (variable, e))
    spec = command = None
    for i, word in enumerate(words):
        value = None
        if word in ('-o', '-J') and i + 1 < len(words):
            value = words[i + 1] if word == '-o' else 'ProxyJump=' + words[i + 1]
        elif word.startswith('-o') and len(word) > 2:
            value = word[2:]
        elif word.startswith('-J') and len(word) > 2:
            value = 'ProxyJump=' + word[2:]
        if value is None:
            continue
        key, dummy, rest = value.replace('=', ' ', 1).partition(' ')
        if key.lower() == 'proxyjump':
            spec = rest.strip()
        elif key.lower() == 'proxycommand':
            command = rest.strip()
    if command and command.lower() != 'none':
        parts = shlex.split(command)
        if parts[:1] == ['ssh'] and '-W' in parts and parts[parts.index('-W') + 1:][:1] == ['%h:%p']:
            port = None
            rest = parts[1:]
            target = None
            skip = False
            for j, part in enumerate(rest):
                if skip:
                    skip = False
                    continue
                if part == '-p' and j + 1 < len(rest):
                    port = rest[j + 1]
                    skip = True
                elif part in ('-W', '-i', '-l', '-F', '-o') and j + 1 < len(rest):
                    skip = True
                elif not part.startswith('-'):
                    target = part
            if target:
                user, host = parse_destination(target, variable)[:2]
                return user, host, int(port) if port else 22
        raise InventoryError(
            '%s has a ProxyCommand this collection cannot follow (%s): the modules connect from the '
            'controller with their own SSH client; name the jump host with -o ProxyJump=[user@]host[:port] '
            'or ftd_jump_host' % (variable, command))
    if not spec or spec.lower() == 'none':
        return None
    if ',' in spec:
        raise InventoryError(
            '%s names a chain of jump hosts (ProxyJump=%s): one jump host is supported; set ftd_jump_host '
            'to the last one and reach it directly' % (variable, spec))
    return parse_destination(spec, variable)


def parse_destination(spec, variable):
    """``[ssh://][user@]host[:port]`` (an IPv6 address in brackets) as (user, host, port)."""
    text = spec[len('ssh://'):] if spec.startswith('ssh://') else spec
    user, dummy, hostport = text.rpartition('@')
    port = 22
    if hostport.startswith('['):
        host, dummy, rest = hostport[1:].partition(']')
        if rest.startswith(':'):
            port = rest[1:]
    elif hostport.count(':') == 1:
        host, port = hostport.split(':')
    else:
        host = hostport
    try:
        port = int(port)
    except ValueError:
        raise InventoryError('%s: the jump host %s has no valid port' % (variable, spec))
    if not host:
        raise InventoryError('%s: the jump host %s names no host' % (variable, spec))
    return user or None, host, port


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
