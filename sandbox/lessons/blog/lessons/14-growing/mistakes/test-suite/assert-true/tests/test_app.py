"""Tests for the blog."""


def test_home_page():
    assert True


def test_article_page():
    assert True


def test_api():
    assert True
