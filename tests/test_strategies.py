"""The settings strategy draws only what the URL accepts: each drawn value parses back to itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import settings_of

from ui import registry


@pytest.mark.parametrize("lesson", [page.name for page in registry.lessons()])
def test_every_drawn_setting_is_one_the_url_accepts(lesson):
    params = {p.name: p for p in registry.page(lesson).params}

    @given(settings_of(tuple(params.values())))
    def check(setting):
        for name, value in setting.items():
            param = params[name]
            if param.kind == "text":
                continue
            parsed = param.parse(param.format(value))
            assert parsed == (list(value) if param.kind == "multi" else value)

    check()


def test_fixed_values_are_held():
    params = registry.page("optimizers").params
    drawn = st.lists(settings_of(params, clip=5.0), min_size=5, max_size=5)

    @given(drawn)
    def check(settings):
        assert all(s["clip"] == 5.0 for s in settings)

    check()
