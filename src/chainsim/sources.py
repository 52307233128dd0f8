"""Who published each seed document: outlet, title and date, for citing a quote.

Core objects: ``Source`` (outlet, title, date of one seed file), ``source_of(file)`` and
``cite(file)`` ("闽西日报《…》2022-02-28"). A seed file that starts with a front matter
block (``---`` … ``---`` with ``title:``, ``date:``, ``categories:``) is read from it; the
other seed files carry no such block, and their outlet, title and date, as printed in
their text, are listed in ``KNOWN``. ``place_matches(place, county_zh, county_en)`` says
whether a reported figure's place (``"连城县 Liancheng"``) is the scenario's county.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .figures import seeds_dir

__all__ = ["KNOWN", "Source", "cite", "place_matches", "source_of"]


@dataclass(frozen=True)
class Source:
    """A seed document as a reader cites it (``date`` is YYYY-MM-DD or "")."""

    file: str
    outlet: str
    title: str
    date: str

    def cite(self) -> str:
        """``outlet《title》date``, leaving out what is unknown."""
        parts = [self.outlet, f"《{self.title}》" if self.title else "", self.date]
        return "".join(p for p in parts if p) or self.file


OUTLETS: dict[str, str] = {"minxiribao": "闽西日报"}
"""Front matter ``categories`` → the outlet's name."""

KNOWN: dict[str, Source] = {s.file: s for s in [
    # its front matter, for a machine without the seed texts (a clone outside the workspace)
    Source("000_c91d9c35e1b5a817.txt", "闽西日报", "连城县全力打造高质量发展产业集聚区", "2022-02-28"),
    Source("001_539cb1c13df0ec7d.txt", "驻马店网", "确山县产业集聚区建设发展工作纪实", ""),
    Source("002_31154e2b60305ab5.txt", "闽西新闻网", "为高质量发展超越构筑“园区力量”", "2020-09-25"),
    Source("003_7af3d84c8a369bd9.txt", "福建省政府网", "我省出台意见推进县域重点产业链高质量发展", "2024-07-29"),
    Source("004_b16a34bcf3903bf3.txt", "人民论坛网", "抱好“金娃娃” 发展大产业——推进县域经济高质量发展的蕉城实践", ""),
]}
"""Seed documents without front matter: outlet, title and date as their text prints them
(and the one with front matter, as it reads, for when the seed texts are not on the machine)."""

_FIELD = re.compile(r'^(\w+):\s*"?(.*?)"?\s*$')


def _front_matter(text: str) -> dict[str, str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    out: dict[str, str] = {}
    for line in lines[1:40]:
        if line.strip() == "---":
            return out
        m = _FIELD.match(line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return {}


@lru_cache(maxsize=64)
def _read(folder: str, file: str) -> Source | None:
    try:
        head = (Path(folder) / file).read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return None
    meta = _front_matter(head)
    if not meta:
        return None
    outlet = OUTLETS.get(meta.get("categories", ""), meta.get("categories", ""))
    return Source(file, outlet, meta.get("title", ""), meta.get("date", "")[:10])


def source_of(file: str) -> Source:
    """The outlet, title and date of a seed file (front matter first, then ``KNOWN``);
    a file known to neither is cited by its name."""
    found = _read(str(seeds_dir()), file)
    if found is not None:
        return found
    return KNOWN.get(file, Source(file, "", "", ""))


def cite(file: str) -> str:
    """A seed file as a reader cites it: ``outlet《title》date``."""
    return source_of(file).cite() if file else ""


_TO_SIMPLIFIED = str.maketrans({"確": "确", "縣": "县", "區": "区", "廣": "广", "東": "东", "門": "门"})


def place_matches(place: str, county_zh: str, county_en: str) -> bool:
    """Whether a figure's place ("连城县 Liancheng") names the county (either script)."""
    zh = place.split()[0].translate(_TO_SIMPLIFIED) if place else ""
    en = place.split()[-1].lower() if place else ""
    return bool(zh) and (zh == county_zh.translate(_TO_SIMPLIFIED) or en in county_en.lower().split())
