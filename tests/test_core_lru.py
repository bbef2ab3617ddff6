"""lib.core.lru.Kept: at most `size` values, the least recently used dropped first."""

import pytest

from lib.core.lru import Kept


def test_the_least_recently_used_value_goes_first():
    kept = Kept(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # now "b" is the least recently used
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, None, 3)
    assert len(kept) == 2


def test_putting_a_kept_key_again_replaces_its_value_and_marks_it_used():
    kept = Kept(2)
    kept.put("a", 1)
    kept.put("b", 2)
    kept.put("a", 10)
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (10, None, 3)


def test_a_size_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        Kept(0)
