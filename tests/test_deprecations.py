"""Upstream deprecations are visible: one from Agent Framework, openai or the course's own code fails the tests."""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize("module", ["agent_framework._clients", "openai.resources.responses", "modules.tiers.clients"])
def test_a_deprecation_attributed_to_agent_framework_openai_or_the_course_is_an_error(module):
    with pytest.raises(DeprecationWarning, match="old call"):
        warnings.warn_explicit("old call", DeprecationWarning, "caller.py", 1, module=module)


def test_a_third_party_deprecation_about_its_own_internals_is_shown_not_fatal():
    with pytest.warns(DeprecationWarning, match="internal"):
        warnings.warn_explicit("internal", DeprecationWarning, "dateutil/tz.py", 1, module="dateutil.tz")
