"""The probes pack checks use: what a visitor sees, and whether hostile text became markup."""

import bottle
import pytest

from sandbox.checker.probes import HOSTILE, SQL_ATTACKS, assert_escaped, injected, visible_text


@pytest.mark.parametrize("payload", HOSTILE)
def test_escaped_text_is_shown_and_never_markup(payload):
    page = bottle.template('<h1 title="{{x}}">{{x}}</h1><p class=\'{{x}}\'>{{x}}</p>', x=payload)
    assert injected(page, payload) == []
    assert payload in visible_text(page)
    assert_escaped(page, payload, "the test page")


@pytest.mark.parametrize("payload", [p for p in HOSTILE if not p.startswith("'")])
def test_unescaped_text_in_the_body_is_caught(payload):
    page = bottle.template("<ul><li>{{!x}}</li></ul>", x=payload)
    assert injected(page, payload)
    with pytest.raises(AssertionError, match="became real HTML"):
        assert_escaped(page, payload, "the list page, in a title")


def test_attribute_breakout_with_single_quotes_is_caught():
    payload = HOSTILE[2]
    assert injected(f"<a href='/x' title='{payload}'>x</a>", payload) == ["<a onmouseover=...>"]


def test_visible_text_skips_tags_scripts_and_decodes_entities():
    page = "<html><head><title>T</title><style>p{}</style></head><body><p>Fish &amp;\n chips</p><script>var a</script></body></html>"
    assert visible_text(page) == "Fish & chips"


def test_sql_attacks_use_both_quote_marks():
    assert any("'" in a for a in SQL_ATTACKS) and any('"' in a for a in SQL_ATTACKS)


def test_the_escaping_advice_speaks_the_learners_template_language(monkeypatch):
    import sys

    from sandbox.checker import probes

    payload = next(p for p in HOSTILE if "<" in p and probes.injected(f"<p>{p}</p>", p))
    page = f"<p>{payload}</p>"
    for name in ("django", "jinja2"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(AssertionError, match=r"never with \{\{!\.\.\.\}\}"):
        probes.assert_escaped(page, payload, "the home page")
    monkeypatch.setitem(sys.modules, "jinja2", object())
    with pytest.raises(AssertionError, match=r"never with \|safe or Markup\(\)"):
        probes.assert_escaped(page, payload, "the home page")
    monkeypatch.setitem(sys.modules, "django", object())
    with pytest.raises(AssertionError, match=r"mark_safe\(\)"):
        probes.assert_escaped(page, payload, "the home page")
    with pytest.raises(AssertionError, match="Use the pack's own words"):
        probes.assert_escaped(page, payload, "the home page", advice="Use the pack's own words.")
