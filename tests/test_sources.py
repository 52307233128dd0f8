"""Seed documents are cited by outlet, title and date, with or without the seed texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainsim import sources
from chainsim.figures import seeds_dir

SEEDS = ["000_c91d9c35e1b5a817.txt", "001_539cb1c13df0ec7d.txt", "002_31154e2b60305ab5.txt",
         "003_7af3d84c8a369bd9.txt", "004_b16a34bcf3903bf3.txt"]


def test_every_seed_is_cited_by_outlet_title_and_date_without_the_seed_texts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINSIM_SEEDS_DIR", str(tmp_path))  # an empty folder: no seed text on this machine
    assert sources.cite(SEEDS[0]) == "闽西日报《连城县全力打造高质量发展产业集聚区》2022-02-28"
    for file in SEEDS:
        assert sources.source_of(file).outlet and sources.source_of(file).title, file
        assert file not in sources.cite(file)


def test_the_listed_source_of_a_seed_with_front_matter_is_what_its_front_matter_says() -> None:
    if not (seeds_dir() / SEEDS[0]).is_file():
        pytest.skip("the seed texts are not on this machine")
    read = sources._read(str(seeds_dir()), SEEDS[0])
    assert read == sources.KNOWN[SEEDS[0]]
