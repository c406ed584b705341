"""Rollout waves in the domain (pilots.waves): the canary share rule, canary count and order.
Waves over HTTP are tested in tests/http/test_waves.py, the CLI in tests/cli/test_waves.py.
"""

from __future__ import annotations

import pytest

from adoption.errors import Invalid
from pilots.waves import canary_count, check_canary_share, pick_canaries
from tests.pilots.waves_world import CODES, in_canary_order


@pytest.mark.parametrize(("share", "kept"), [(1, 1.0), (0.1, 0.1), (1e-9, 1e-9), (0.5, 0.5)])
def test_a_canary_share_is_a_number_above_0_and_at_most_1(share, kept):
    assert check_canary_share(share) == kept


@pytest.mark.parametrize("share", [0, 1.0000001, -0.1, 2, float("nan"), "0.5", None, True])
def test_any_other_canary_share_is_invalid_and_names_the_field(share):
    with pytest.raises(Invalid) as err:
        check_canary_share(share)
    assert err.value.details == {"canary_share": ["Must be greater than 0 and at most 1."]}


def test_a_canary_that_leaves_is_replaced_by_the_next_in_order():
    order = in_canary_order(1, CODES)
    kept = [order[0], order[1]]
    remaining = [c for c in CODES if c != order[0]]
    # share 0.2 of 9 sites → ceil(1.8) = 2: order[1] is kept, order[2] tops up
    assert pick_canaries(1, remaining, 0.2, kept) == sorted([order[1], order[2]])


def test_canary_count_rounds_up_without_float_noise():
    assert (canary_count(0.1, 30), canary_count(0.1, 31), canary_count(1, 7)) == (3, 4, 7)
