"""adoption.locales.Text: a domain sentence that is its English, said in another language."""

from __future__ import annotations

import copy
import json
import pickle

from hypothesis import given
from hypothesis import strategies as st

from adoption.locales import N_, Text, say

ZH = {
    "Fewer than %(pilot)s pilot stores (95 %% CI)": "试点门店少于 %(pilot)s 家（95%% 置信区间）",
    "Caveat: %(caveat)s": "注意：%(caveat)s",
    "Every store": "所有门店",
}


def chinese(msgid: str) -> str:
    return ZH.get(msgid, msgid)


def test_a_text_is_its_english_everywhere_a_string_goes():
    text = N_("Fewer than %(pilot)s pilot stores (95 %% CI)", pilot=3)
    assert text == "Fewer than 3 pilot stores (95 % CI)"
    assert isinstance(text, str)
    assert json.dumps({"caveat": text}) == '{"caveat": "Fewer than 3 pilot stores (95 % CI)"}'
    assert f"{text}" == str(text) == text


def test_say_translates_the_msgid_and_its_nested_values():
    inner = N_("Fewer than %(pilot)s pilot stores (95 %% CI)", pilot=3)
    outer = N_("Caveat: %(caveat)s", caveat=inner)
    assert outer == "Caveat: Fewer than 3 pilot stores (95 % CI)"
    assert say(outer, chinese) == "注意：试点门店少于 3 家（95% 置信区间）"
    assert say("Every store", chinese) == "所有门店"  # a plain msgid
    assert say("", chinese) == "" and say(None, chinese) is None and say(3, chinese) == 3


def test_a_plain_string_value_is_data_never_looked_up():
    text = N_("Caveat: %(caveat)s", caveat="Every store")  # e.g. a target someone named so
    assert say(text, chinese) == "注意：Every store"


def test_an_unknown_msgid_stays_english():
    text = N_("Sites missing from week %(week)s", week=4)
    assert say(text, chinese) == "Sites missing from week 4"


@given(st.text(), st.integers())
def test_pickle_and_copy_keep_the_parts(value, number):
    text = N_("%(value)s and %(number)s, 100 %%", value=value, number=number)
    for again in (pickle.loads(pickle.dumps(text)), copy.deepcopy(text), copy.copy(text)):
        assert isinstance(again, Text)
        assert again == text == f"{value} and {number}, 100 %"
        assert again.msgid == text.msgid and again.params == text.params
