# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ftd-ha-upgrade developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0.txt)
"""The run's pairs, read from the inventory's units: which units make a pair, what became of
each pair, which pairs stopped.

Filters, not Jinja in the playbooks: the same bookkeeping was a 300-character groupby/zip, a
loop of set_fact over every unit and two selectattr chains. A filter reads only the variables
it names (``ftd_pair``, ``ftd_outcome``, ``ftd_stopped``) of each unit; a module could not, short
of being handed every unit's variables, passwords included. Each unit's variables are given
as ``hostvars`` (Ansible's, or any mapping of unit to its variables).
"""

from __future__ import annotations


def _var(hostvars, unit, name, default=None):
    """A unit's variable; ``default`` when the unit does not define it."""
    unit_vars = hostvars[unit]
    return unit_vars[name] if name in unit_vars else default


def pairs(units, hostvars):
    """{pair: [its units, in the inventory's order]} for the units that name an ``ftd_pair``,
    pairs sorted by name."""
    found = {}
    for unit in units:
        pair = _var(hostvars, unit, 'ftd_pair')
        if pair is not None:
            found.setdefault(str(pair), []).append(unit)
    return dict(sorted(found.items()))


def outcomes(units, hostvars):
    """{pair: {unit: its outcome}}: each unit's ``ftd_outcome`` (verify's line, or why its
    pair stopped), ``not reached`` without one; a unit without ``ftd_pair`` under ``?``."""
    found = {}
    for unit in units:
        pair = str(_var(hostvars, unit, 'ftd_pair', '?'))
        found.setdefault(pair, {})[unit] = _var(hostvars, unit, 'ftd_outcome', 'not reached')
    return found


def stopped_units(units, hostvars):
    """Every unit whose ``ftd_stopped`` is true, and the other unit of its pair."""
    by_pair = pairs(units, hostvars)
    found = []
    for unit in units:
        if not _var(hostvars, unit, 'ftd_stopped', False):
            continue
        pair = _var(hostvars, unit, 'ftd_pair')
        partners = by_pair.get(str(pair), []) if pair is not None else []
        for member in [unit] + partners:
            if member not in found:
                found.append(member)
    return found


def stopped_pairs(units, hostvars):
    """The sorted names of the pairs with a unit whose ``ftd_stopped`` is true."""
    return sorted({str(_var(hostvars, unit, 'ftd_pair', '?')) for unit in units
                   if _var(hostvars, unit, 'ftd_stopped', False)})


class FilterModule:
    """ftd.ha_upgrade.pairs, .outcomes, .stopped_units, .stopped_pairs."""

    def filters(self):
        return {
            'pairs': pairs,
            'outcomes': outcomes,
            'stopped_units': stopped_units,
            'stopped_pairs': stopped_pairs,
        }
