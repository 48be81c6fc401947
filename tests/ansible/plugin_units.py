"""The action plugin's pure functions, with the SSH arguments people write in inventories.

Run with the Python of the venv that has ansible-core (the plugin imports it):
    python tests/ansible/plugin_units.py
"""

import os
import sys

from collection_source import load

plugin = load('binary_module', 'plugin_utils', 'binary_module.py')


def jump(arguments):
    return plugin.proxy_jump(arguments, 'ansible_ssh_common_args')


def refused(arguments, words):
    try:
        jump(arguments)
    except plugin.InventoryError as e:
        assert all(w in str(e) for w in words), str(e)
        return
    raise AssertionError('not refused: %r' % arguments)


# The ways OpenSSH takes a jump host.
assert jump('-o ProxyJump=ops@bastion') == ('ops', 'bastion', 22)
assert jump('-o ProxyJump=ops@bastion:2222') == ('ops', 'bastion', 2222)
assert jump('-oProxyJump=bastion.example.net') == (None, 'bastion.example.net', 22)
assert jump("-o 'ProxyJump ops@10.0.0.5:22'") == ('ops', '10.0.0.5', 22)
assert jump('-J ops@bastion:2022') == ('ops', 'bastion', 2022)
assert jump('-Jbastion') == (None, 'bastion', 22)
assert jump('-o ProxyJump=ssh://ops@bastion:2200') == ('ops', 'bastion', 2200)
assert jump('-o ProxyJump=ops@[2001:db8::1]:2200') == ('ops', '2001:db8::1', 2200)
assert jump('-o StrictHostKeyChecking=no -o ProxyJump=ops@bastion -o ServerAliveInterval=30') == ('ops', 'bastion', 22)
assert jump('-o ProxyCommand="ssh -W %h:%p -q ops@bastion"') == ('ops', 'bastion', 22)
assert jump('-o ProxyCommand="ssh -p 2222 -W %h:%p bastion"') == (None, 'bastion', 2222)
# None named.
assert jump('') is None and jump(None) is None
assert jump('-o StrictHostKeyChecking=no -C') is None
assert jump('-o ProxyJump=none') is None
# What the modules cannot follow is refused, never bypassed.
refused('-o ProxyJump=ops@a,ops@b', ['chain of jump hosts', 'ftd_jump_host'])
refused('-o ProxyCommand="nc -X 5 -x proxy:1080 %h %p"', ['ProxyCommand', 'cannot follow', 'ftd_jump_host'])
refused('-o ProxyJump=ops@bastion:ssh', ['no valid port'])
refused('-o "ProxyJump=ops@bastion', ['cannot be read'])

# A rejected password names where it came from.
msg = 'fw-1-a [install]: sudo password was rejected by the device ("x"); not retried. Check sudo_password'
named = plugin.name_sources(msg, {'sudo_password': 'the inventory variable ansible_become_password'})
assert named.endswith("Check the inventory variable ansible_become_password (the module's sudo_password)"), named
assert plugin.name_sources(msg, {'enable_password': 'x'}) == msg
# Which binary runs: the wheel's (or the named folder's), never one found on PATH, never one
# that another user could have replaced.
import stat
import tempfile

with tempfile.TemporaryDirectory() as tmp:
    folder = os.path.join(tmp, 'bin')
    os.mkdir(folder, 0o755)
    binary = os.path.join(folder, plugin.BINARY_PREFIX + 'facts')
    with open(binary, 'w') as f:
        f.write('#!/bin/sh\n')
    os.chmod(binary, 0o755)
    os.chmod(folder, 0o755)
    env = {plugin.BIN_DIR_ENV: folder}
    assert plugin.find_binary('facts', env) == (binary, None)
    assert plugin.find_binary('install', env) == (None, None)
    os.chmod(folder, 0o777)
    path, why = plugin.find_binary('facts', env)
    assert path is None and 'writable by everyone' in why, why
    os.chmod(folder, 0o775)
    assert 'writable by its group' in plugin.find_binary('facts', env)[1]
    os.chmod(folder, 0o755)
    os.chmod(binary, 0o757)
    assert 'writable by everyone' in plugin.find_binary('facts', env)[1]
    os.chmod(binary, 0o755)
    # A planted binary on PATH is never found: without the folder, only the one beside Python.
    planted = dict(os.environ, PATH=folder + os.pathsep + os.environ.get('PATH', ''))
    planted.pop(plugin.BIN_DIR_ENV, None)
    found, _ = plugin.find_binary('facts', planted)
    assert found != binary, found
    assert os.stat(folder).st_mode & stat.S_IWOTH == 0

print('plugin units: ProxyJump / -J / ProxyCommand parsed, chains and other commands refused, sources named, '
      'binaries only from the wheel or the named folder and never writable by others')
sys.exit(0)
