"""Opt-out keywords (domain/keywords.py): which texts are STOP/START/HELP, the word lists an
operator writes, and why a send to an opted-out number is refused."""

from datetime import datetime, timezone

import pytest
from hypothesis import assume, given, strategies as st

from service.domain.contacts import BlacklistEntry, OptOutSource
from service.domain.errors import ValidationError
from service.domain.inbound import KeywordAction, fold_word
from service.domain.keywords import (DEFAULT_SETTINGS, MAX_WORD, MAX_WORDS, KeywordSettings,
                                     OwnKeywordSettings, action_for, ban_message, clean_reply,
                                     opt_out_reason, parse_words)

STOP, START, HELP = KeywordAction.STOP, KeywordAction.START, KeywordAction.HELP
PUNCTUATION = st.text(alphabet="!?.,;:«»\"'()-–—…¡¿ \t\n", max_size=4)


# -- the rules of COMMON14: one word, any case, Latin and Cyrillic, punctuation around ---------

@pytest.mark.parametrize("text, action", [
    ("STOP", STOP), ("stop", STOP), ("Stop!", STOP), (" Стоп. ", STOP), ("«СТОП»", STOP),
    ("отписаться", STOP), ("StopAll", STOP), ("unsubscribe.", STOP), ("cancel", STOP),
    ("END", STOP), ("quit!!!", STOP), ("\tstop\n", STOP), ("STOP !", STOP), ("stop :)", STOP),
    ("START", START), ("unstop", START), ("Старт!", START),
    ("help?", HELP), ("ПОМОЩЬ", HELP), ("Помощь...", HELP),
])
def test_a_text_of_one_action_word_is_that_action(text, action):
    assert action_for(text, DEFAULT_SETTINGS) is action


@pytest.mark.parametrize("text", [
    "stop sending me these", "please stop", "STOP STOP", "stop!!! now", "Стоп пожалуйста",
    "help me", "", "   ", "!!!", "stopp", "s t o p", "st0p", "stop-it", "unsubscribed",
    "Hello", "да",
])
def test_anything_else_is_an_ordinary_reply(text):
    assert action_for(text, DEFAULT_SETTINGS) is None


@given(st.sampled_from(["stop", "стоп", "start", "старт", "help", "помощь", "quit"]),
       st.lists(st.booleans(), min_size=6, max_size=6), PUNCTUATION, PUNCTUATION)
def test_case_and_surrounding_punctuation_never_matter(word, upper, before, after):
    cased = "".join(c.upper() if u else c for c, u in zip(word, upper * 2))
    expected = action_for(word, DEFAULT_SETTINGS)
    assert expected is not None
    assert action_for(before + cased + after, DEFAULT_SETTINGS) is expected


@given(st.sampled_from(["STOP", "Стоп", "help", "START"]),
       st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20))
def test_an_action_word_followed_by_another_word_is_no_action(word, tail):
    assume(any(fold_word(w) for w in tail.split()))  # a real word follows, not punctuation
    assert action_for(f"{word} {tail}", DEFAULT_SETTINGS) is None


@given(st.text(max_size=40))
def test_any_text_is_an_action_or_none_and_never_raises(text):
    action = action_for(text, DEFAULT_SETTINGS)
    if action is not None:
        words = [w for w in map(fold_word, text.split()) if w]
        assert len(words) == 1 and words[0] in getattr(DEFAULT_SETTINGS, action.value + "_words")


# -- the word lists an operator writes --------------------------------------------------------

def test_the_defaults_are_the_issue_lists_folded():
    assert DEFAULT_SETTINGS.stop_words == ("stop", "stopall", "unsubscribe", "cancel", "end",
                                           "quit", "стоп", "отписаться")
    assert DEFAULT_SETTINGS.start_words == ("start", "unstop", "старт")
    assert DEFAULT_SETTINGS.help_words == ("help", "помощь")
    assert DEFAULT_SETTINGS.stop_reply.startswith("You are unsubscribed")


def test_a_word_list_is_folded_in_order_each_once():
    assert parse_words(" Стоп, STOP,stop!, «Quit» ,", "stop_words") == ("стоп", "stop", "quit")


@pytest.mark.parametrize("spec, says", [
    ("", "no words"), (" , ,", "no words"), ("STOP,!!!", "not a word"),
    ("please stop", "more than one word"), ("a\u200bb", "control"),
    ("x" * (MAX_WORD + 1), "longer than"), (",".join(f"w{i}" for i in range(MAX_WORDS + 1)),
                                            "at most"),
])
def test_a_bad_word_list_is_refused_clearly(spec, says):
    with pytest.raises(ValidationError, match=says) as raised:
        parse_words(spec, "stop_words")
    assert raised.value.field == "stop_words"


@given(st.text(max_size=60))
def test_any_word_list_parses_to_folded_words_or_is_refused(spec):
    try:
        words = parse_words(spec, "help_words")
    except ValidationError as exc:
        assert exc.field == "help_words"
        return
    assert words and len(set(words)) == len(words)
    for word in words:
        assert word == fold_word(word) and not any(c.isspace() for c in word)
        assert action_for(word, KeywordSettings((), (), words, "", "", "")) is HELP


@given(st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=8), min_size=1, max_size=8))
def test_a_parsed_list_written_back_parses_the_same(words):
    parsed = parse_words(",".join(words), "start_words")
    assert parse_words(",".join(parsed), "start_words") == parsed


def test_a_word_may_mean_one_action_only():
    with pytest.raises(ValidationError, match="'stop' is both in stop_words and in start_words"):
        KeywordSettings.parse(start_words="START,Stop!")
    with pytest.raises(ValidationError):
        OwnKeywordSettings(help_words=("end",)).over(DEFAULT_SETTINGS).check()


def test_replies_are_stripped_bounded_and_may_be_empty():
    assert clean_reply("  Bye  ", "stop_reply") == "Bye"
    assert clean_reply("", "help_reply") == ""
    with pytest.raises(ValidationError, match="at most 1000"):
        clean_reply("x" * 1001, "help_reply")
    with pytest.raises(ValidationError, match="NUL"):
        clean_reply("a\x00b", "help_reply")


# -- an account's own settings over the gateway's defaults ------------------------------------

def test_own_settings_override_what_they_set_and_keep_the_defaults_elsewhere():
    own = OwnKeywordSettings().changed(stop_words="Хватит, stop", help_reply="Call 8-800")
    effective = own.over(DEFAULT_SETTINGS)
    assert effective.stop_words == ("хватит", "stop")
    assert effective.start_words == DEFAULT_SETTINGS.start_words
    assert effective.help_reply == "Call 8-800"
    assert effective.stop_reply == DEFAULT_SETTINGS.stop_reply
    assert action_for("ХВАТИТ!", effective) is STOP and action_for("quit", effective) is None


def test_empty_or_default_returns_a_setting_to_the_default_and_off_turns_it_off():
    own = OwnKeywordSettings(stop_words=("x",), stop_reply="y", help_reply="z")
    back = own.changed(stop_words="", stop_reply="default", help_reply=None)
    assert back == OwnKeywordSettings(help_reply="z")
    off = OwnKeywordSettings().changed(help_words="off", start_reply="OFF")
    assert off.help_words == () and off.start_reply == ""
    effective = off.over(DEFAULT_SETTINGS)
    assert action_for("help", effective) is None and effective.reply(START) == ""
    assert OwnKeywordSettings().empty and not off.empty


def test_a_bad_change_names_its_setting():
    with pytest.raises(ValidationError) as raised:
        OwnKeywordSettings().changed(start_words="go on")
    assert raised.value.field == "start_words"


# -- how a send to a blacklisted number is refused --------------------------------------------

def test_a_stop_says_opted_out_with_the_day_and_an_api_listing_says_blacklist():
    at = datetime(2026, 12, 1, 21, 30, tzinfo=timezone.utc)
    inbound = BlacklistEntry("+79991234567", OptOutSource.INBOUND, opt_out_reason("Стоп.", "+7900"),
                             at)
    assert ban_message(inbound) == "the number opted out by replying STOP on 2026-12-01"
    listed = BlacklistEntry("+79991234567", OptOutSource.API, None, at)
    assert ban_message(listed) == "the number is on the blacklist"
    assert inbound.reason == 'replied "Стоп." to +7900'
