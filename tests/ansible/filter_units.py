"""The pair filters (collection/plugins/filter/pairs.py) on inventories people write: units
listed out of pair order, a unit without ftd_pair, a stopped unit whose partner is still
running, a pair name that is a number.

    python tests/ansible/filter_units.py
"""

from collection_source import load

pairs = load('pairs', 'filter', 'pairs.py')

hostvars = {
    'fw-b-1': {'ftd_pair': 'site-b', 'ftd_outcome': 'upgraded: 7.2.5-208 -> 7.4.2-172'},
    'fw-a-1': {'ftd_pair': 'site-a', 'ftd_stopped': True, 'ftd_outcome': 'fw-a-1 [install]: refused'},
    'fw-b-2': {'ftd_pair': 'site-b', 'ftd_stopped': False},
    'spare': {},
    'fw-a-2': {'ftd_pair': 'site-a'},
    'fw-7-1': {'ftd_pair': 7},
}
units = list(hostvars)
filters = pairs.FilterModule().filters()

# Pairs by name, each unit in the inventory's order; a unit without ftd_pair is no pair's.
assert filters['pairs'](units, hostvars) == {
    '7': ['fw-7-1'], 'site-a': ['fw-a-1', 'fw-a-2'], 'site-b': ['fw-b-1', 'fw-b-2']}
assert list(filters['pairs'](units, hostvars)) == ['7', 'site-a', 'site-b']

# Every unit has a line; the ones no step reached say so.
assert filters['outcomes'](units, hostvars) == {
    'site-b': {'fw-b-1': 'upgraded: 7.2.5-208 -> 7.4.2-172', 'fw-b-2': 'not reached'},
    'site-a': {'fw-a-1': 'fw-a-1 [install]: refused', 'fw-a-2': 'not reached'},
    '?': {'spare': 'not reached'},
    '7': {'fw-7-1': 'not reached'},
}

# A stopped unit takes its partner with it, each once; ftd_stopped false stops nothing.
assert filters['stopped_units'](units, hostvars) == ['fw-a-1', 'fw-a-2']
hostvars['fw-a-2']['ftd_stopped'] = True
assert filters['stopped_units'](units, hostvars) == ['fw-a-1', 'fw-a-2']
hostvars['spare']['ftd_stopped'] = True
assert filters['stopped_units'](units, hostvars) == ['fw-a-1', 'fw-a-2', 'spare']
assert filters['stopped_pairs'](units, hostvars) == ['?', 'site-a']
assert filters['stopped_pairs']([], hostvars) == []
print('pair filters: ok')
