# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The instance and profile names LXD accepts, checked before any API call: which pass, which do not, and that
the message names the value and says what to write instead."""

from __future__ import annotations

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.names import (
    instance_name_problem,
    profile_name_problem,
)


@pytest.mark.parametrize("name", [
    "w",
    "w2",
    "web-1",
    "Farm-Worker-07",
    "a" * 63,
    "x" + "-9" * 31,  # 63 characters, hyphens inside
])
def test_instance_names_lxd_accepts_have_no_problem(name: str) -> None:
    assert instance_name_problem(name) is None


def test_an_empty_instance_name_is_refused() -> None:
    assert instance_name_problem("") == "an instance name cannot be empty"


def test_an_instance_name_of_64_characters_is_refused_with_its_length() -> None:
    name = "w" * 64
    assert instance_name_problem(name) == f"instance name '{name}' is 64 characters long; LXD allows at most 63"


def test_a_long_name_is_refused_for_its_length_before_its_characters() -> None:
    name = "web_" * 20
    assert instance_name_problem(name) == f"instance name '{name}' is 80 characters long; LXD allows at most 63"


@pytest.mark.parametrize("name", [
    "web-",  # trailing hyphen
    "1web",  # leading digit
    "-web",
    "web_1",
    "web.example",
    "web 1",
    "wéb",
    "a" * 62 + "-",  # 63 characters, but a trailing hyphen
])
def test_instance_names_that_are_no_hostname_label_are_refused_naming_the_value(name: str) -> None:
    assert instance_name_problem(name) == (
        f"instance name {name!r} is not a valid hostname label; use letters, digits and hyphens, starting with a "
        f"letter and not ending with a hyphen (e.g. w2)")


def test_an_instance_name_ending_in_a_newline_is_refused() -> None:
    assert instance_name_problem("web\n") is not None


def test_an_instance_name_given_as_a_number_is_read_as_text() -> None:
    problem = instance_name_problem(7)  # type: ignore[arg-type]  # YAML gives 7 for `name: 7`
    assert problem is not None and problem.startswith("instance name '7' is not a valid hostname label")


@pytest.mark.parametrize("name", ["default", "extbridge", "palmfarm.ipv6", "farm_v6-2", "..x", "Ünicode", "a" * 200])
def test_profile_names_lxd_accepts_have_no_problem(name: str) -> None:
    assert profile_name_problem(name) is None


def test_an_empty_profile_name_is_refused() -> None:
    assert profile_name_problem("") == "a profile name cannot be empty"


@pytest.mark.parametrize("name", ["farm/v6", "/", ".", "..", "farm v6", "farm\tv6", " farm", "farm\n"])
def test_profile_names_with_a_slash_white_space_or_dots_only_are_refused(name: str) -> None:
    assert profile_name_problem(name) == (
        f"profile name {name!r} contains a slash or white space, or is '.' or '..'; LXD rejects it")
