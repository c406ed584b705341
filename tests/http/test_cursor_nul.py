"""A cursor decoding to text with a NUL (which PostgreSQL text cannot hold) is 422 naming
`cursor` (`api.pagination.decode_cursor`), never a driver error."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoption.errors import Invalid
from api.pagination import decode_cursor, encode_cursor


def test_aa_decodes_to_a_nul_and_is_refused():
    with pytest.raises(Invalid) as refused:
        decode_cursor("AA")
    assert "cursor" in refused.value.details


@given(st.text(min_size=1, max_size=50))
def test_a_cursor_is_either_its_text_or_refused_when_it_holds_a_nul(value):
    cursor = base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")
    if "\x00" in value:
        with pytest.raises(Invalid):
            decode_cursor(cursor)
    else:
        assert decode_cursor(cursor) == value == decode_cursor(encode_cursor(value))


@pytest.mark.parametrize("cursor", ["AA", encode_cursor("S0\x001")])
@pytest.mark.parametrize("path", ["/api/v1/sites", "/api/v1/access-log"])
def test_a_nul_cursor_is_422_naming_the_cursor(client, make_token, cursor, path):
    response = client.get(f"{path}?cursor={cursor}", headers=make_token("admin", name="root"))
    assert response.status_code == 422
    assert "cursor" in response.json["error"]["details"]
