"""``chainsim report FILE --out PATH.pdf|PATH.xlsx``: a report for a meeting, in Chinese.

The Excel workbook holds the chain targets with P(reach) and its 95% interval, the policy
levers as the scenario applies them, yearly median output (亿元/年) and every assumed
number; the PDF (one or two A4 pages, a CJK font embedded) the same with a fan chart per
chain. Exit 2 for a bad file, a suffix other than .pdf/.xlsx, or no CJK font (PDF).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from ..report import find_cjk_font, make_report, write_report, NoCJKFont
from ..scenario import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a report in Chinese (.pdf or .xlsx) for a meeting")
    p.add_argument("file", metavar="FILE", help="scenario YAML")
    p.add_argument("--out", required=True, metavar="PATH", help="report.pdf or report.xlsx")
    p.add_argument("--reps", type=int, default=None, help="replicates (default: the scenario's ensemble.reps)")
    p.add_argument("--seed", type=int, default=None, help="master seed (default: the scenario's ensemble.seed)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".xlsx"):
        raise InputError(f"--out {out}: the report is written as .pdf or .xlsx")
    if not out.parent.is_dir():
        raise InputError(f"--out {out}: folder {out.parent} does not exist")
    if args.reps is not None and args.reps < 1:
        raise InputError(f"--reps {args.reps}: must be at least 1")
    if out.suffix.lower() == ".pdf" and find_cjk_font() is None:
        raise NoCJKFont("no CJK font found to write a Chinese PDF: install one (Debian: apt-get install "
                        "fonts-wqy-microhei) or set CHAINSIM_CJK_FONT to a .ttf/.ttc/.otf file")
    scenario = load_scenario(args.file)
    report = make_report(scenario, args.reps, args.seed, source=str(args.file))
    write_report(report, out)
    print(f"wrote {out}")
    return 0
