"""``chainsim report FILE --out PATH.xlsx|PATH.pdf`` on the nine-chain Liancheng scenario,
run as a subprocess: the workbook's contents (openpyxl), the PDF's pages and embedded CJK
font (pypdf), a PNG of page 1 (pdftoppm, when poppler-utils is installed) saved to
tests/artifacts/report-1.png for a person to look at, and exit 2 without a CJK font."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from chainsim.report import find_cjk_font
from chainsim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
LIANCHENG = REPO / "scenarios" / "liancheng.yaml"
APPROVALS = REPO / "scenarios" / "liancheng_approvals.yaml"
ARTIFACTS = REPO / "tests" / "artifacts"
REPS = "60"


def test_excel_report_holds_chinese_chain_names_levers_probabilities_medians_and_assumptions(run_cli, tmp_path):
    out = tmp_path / "report.xlsx"
    done = run_cli("report", APPROVALS, "--out", out, "--reps", REPS, timeout=300)
    assert done.returncode == 0, done.stderr
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert wb.sheetnames == ["目标达成", "缺口分解", "补缺项目", "政策杠杆", "逐年产值中位数", "假设", "说明"]
    rows = list(wb["目标达成"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:6] == ("产业链", "目标产值 (亿元/年)", "目标年份", "达成概率", "达成概率 95% 区间（模拟误差）",
                          "把握程度（参数不确定 5–95%）")
    scenario = load_scenario(APPROVALS)
    assert [r[0] for r in rows[1:]] == [c.name_zh for c in scenario.chains]
    assert rows[1][1:3] == (200, 2025)
    assert all(str(r[3]).endswith("%") and "–" in str(r[4]) and "–" in str(r[5]) for r in rows[1:])
    levers = {r[0]: r for r in wb["政策杠杆"].iter_rows(min_row=2, values_only=True)}
    assert levers["审批提速"][2] == pytest.approx(0.53) and "2022-03 起 0.53" in levers["审批提速"][4]
    medians = list(wb["逐年产值中位数"].iter_rows(values_only=True))
    assert medians[0][0] == "产业链" and "2025 年" in medians[0]
    assert all(isinstance(v, (int, float)) and v > 0 for v in medians[1][1:])
    assumed = [r[1] for r in wb["假设"].iter_rows(min_row=2, values_only=True)]
    assert "文旅康养 基期产值" in assumed  # its prior centre is an assumption
    # why it falls short: the typical output's parts add up, the gap and the projects that close it
    gaps = list(wb["缺口分解"].iter_rows(values_only=True))
    col = {name: k for k, name in enumerate(gaps[0])}
    assert [r[0] for r in gaps[1:]] == [c.name_zh for c in scenario.chains]
    for r in gaps[1:]:
        parts = sum(r[col[k]] for k in ("基期产值 (亿元/年)", "现有企业增减 (亿元/年)", "在谈在建项目产出 (亿元/年)",
                                        "新签项目产出 (亿元/年)"))
        assert parts == pytest.approx(r[col["典型情形产值 (亿元/年)"]], abs=0.25)  # each rounded to 0.1
        assert r[col["基期产值来源"]] == "校准"  # not reported: drawn from the calibration posterior
    wenlv = gaps[1]
    assert wenlv[col["缺口 (亿元/年)"]] > 100 and wenlv[col["立即签约所需重大项目 (个)"]] > 0
    plans = list(wb["补缺项目"].iter_rows(values_only=True))
    assert plans[0][:3] == ("产业链", "缺口 (亿元/年)", "项目档次") and len(plans) > 9


@pytest.mark.skipif(find_cjk_font() is None, reason="no CJK font on this machine (apt-get install fonts-wqy-microhei)")
def test_pdf_report_has_one_or_two_pages_with_the_cjk_font_embedded(run_cli, tmp_path):
    out = tmp_path / "report.pdf"
    done = run_cli("report", LIANCHENG, "--out", out, "--reps", REPS, timeout=300)
    assert done.returncode == 0, done.stderr
    from pypdf import PdfReader

    reader = PdfReader(out)
    assert 1 <= len(reader.pages) <= 2
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            desc = descendants[0].get_object()["/FontDescriptor"] if descendants else font.get("/FontDescriptor")
            if desc is not None and "/FontFile2" in desc.get_object():
                fonts.add(str(font["/BaseFont"]))
    assert any("WenQuanYi" in f or "CJK" in f or "Hei" in f for f in fonts), fonts
    text = reader.pages[0].extract_text()
    assert "连城县产业链目标达成模拟报告" in text and "文旅康养" in text
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", str(out), str(ARTIFACTS / "report")],
                       check=True, timeout=120)
        assert list(ARTIFACTS.glob("report-*1.png"))


def test_pdf_report_without_a_cjk_font_exits_2_with_a_clear_message(run_cli, tmp_path):
    env = {**os.environ, "CHAINSIM_CJK_FONT": ""}
    out = tmp_path / "report.pdf"
    done = run_cli("report", LIANCHENG, "--out", out, "--reps", "5", env=env)
    assert done.returncode == 2
    assert "CJK font" in done.stderr and "fonts-wqy-microhei" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_report_to_another_suffix_exits_2(run_cli, tmp_path):
    done = run_cli("report", LIANCHENG, "--out", tmp_path / "report.docx")
    assert done.returncode == 2 and ".pdf or .xlsx" in done.stderr
