"""A chain of ten sites for rollout wave tests (domain, HTTP and CLI), and the canary order."""

from __future__ import annotations

from pilots.waves import canary_rank

CODES = [f"S{i:03d}" for i in range(1, 11)]


def ten_sites(make_site) -> None:
    """The `chain` of wave tests: sites S001 … S010, in no wave."""
    for code in CODES:
        make_site(code)


def in_canary_order(n: int, codes: list[str]) -> list[str]:
    return sorted(codes, key=lambda c: canary_rank(n, c))
