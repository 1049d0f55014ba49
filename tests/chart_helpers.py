"""What the chart-template tests share: comparing two specs, and counting the Altair objects a piece of code makes."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
from altair.utils import schemapi


def assert_same_spec(drawn: dict, inline: dict) -> None:
    """Two specs equal key by key, their data sets compared as frames (data set names are content hashes in both)."""
    assert drawn.keys() == inline.keys()
    for key in drawn:
        if key == "datasets":
            assert drawn[key].keys() == inline[key].keys()
            for name in drawn[key]:
                if isinstance(drawn[key][name], pd.DataFrame):
                    pd.testing.assert_frame_equal(drawn[key][name], inline[key][name])
                else:
                    assert drawn[key][name] == inline[key][name]
        elif key == "_rnnlab_images":  # surfaces' images (ui.surfaces.Image): the same picture of the same values
            assert [(i.png, i.slot, i.x_range, i.y_range, i.titles) for i in drawn[key]] == [
                (i.png, i.slot, i.x_range, i.y_range, i.titles) for i in inline[key]
            ]
            for mine, theirs in zip(drawn[key], inline[key], strict=True):
                np.testing.assert_array_equal(mine.values, theirs.values)
        else:
            assert drawn[key] == inline[key], key


class AltairCounter:
    """Counts the Altair objects made (``SchemaBase.__init__``) once :meth:`patch` has been called, on any thread
    (AppTest runs the script on its own)."""

    def __init__(self):
        self.count = 0
        self._lock = threading.Lock()

    def patch(self, monkeypatch) -> AltairCounter:
        original = schemapi.SchemaBase.__init__

        def counted(obj, *args, **kwargs):
            with self._lock:
                self.count += 1
            return original(obj, *args, **kwargs)

        monkeypatch.setattr(schemapi.SchemaBase, "__init__", counted)
        return self
