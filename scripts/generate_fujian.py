"""Write scenarios/fujian.yaml: a synthetic province of 84 county-level units.

    python scripts/generate_fujian.py            # rewrites scenarios/fujian.yaml
    python scripts/generate_fujian.py --check    # exit 1 if the committed file differs

Not Fujian's real counties' numbers: a province generated from what the seeds report about
Fujian's counties (/work/shared/seeds/003_7af3d84c8a369bd9.txt), with every generated number
flagged ``provenance: assumed``:

* "全省县域规上工业营收均值为680亿元" (fj_county_industrial_revenue_avg): each unit's
  above-scale industrial revenue is drawn from a lognormal (log-sd ``REVENUE_LOG_SD``) and
  the draws are scaled so their mean is exactly 680亿;
* "支持各县（市、区）发展1~2条重点产业链，产业基础优势明显的发展3~4条重点产业链"
  (fj_chains_per_county_min/max, fj_chains_per_strong_county_min/max): 1-2 key chains per
  unit, 3-4 for the strong ones, taken to be as many as "入选全国县域经济百强的县、区11个"
  (fj_top100_counties): the 11 largest;
* the seed names counties for six industries (纺织服装, 集成电路, 食品, 建材, 锂电新能源,
  不锈钢新材料) and a few 金名片 (德化的陶瓷工艺, 蕉城的时代锂电池, 福安的青拓不锈钢, 光泽的圣农肉鸡):
  those 33 counties keep their names and the chains the seed gives them (quoted in each
  chain's note); the other 51 units are synthetic (合成县01..51), with industries drawn from
  the seed's list, including its "一片叶、一根竹、一张纸、一双鞋、一块玻璃" (茶, 竹, 纸, 鞋, 玻璃).
  84 is the province's number of county-level units (assumed: not in the seeds).

Everything else is assumed and said so in the file: the share of a unit's revenue in its
key chains, the split among them, targets, segments, leaders, lead rates, land and the
山海协作 pairs. The counties that the seed names for an industry compete for that
industry's leads (``chainsim.province``). Deterministic: the same seed writes the same file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "scenarios" / "fujian.yaml"
SEED = 20240729  # the policy article's date
N_UNITS = 84
COUNTY_MEAN_REVENUE_YI = 680.0  # fj_county_industrial_revenue_avg
N_STRONG = 11  # fj_top100_counties
REVENUE_LOG_SD = 0.8
KEY_CHAIN_SHARE = (0.3, 0.6)  # share of a unit's revenue in its key chains, uniform
TARGET_GROWTH = (0.06, 0.12)  # yearly growth a chain's 2027 target asks for, uniform
REFERENCE_CHAINS_YI = 255.0  # 连城's nine chains at the start, the county lead_rate is calibrated on
LEADS_PER_REFERENCE = 0.5  # a unit's lead_rate_scale = this × its chains' output / REFERENCE_CHAINS_YI
LAND_MU_PER_YI = 12.0  # 亩 a year of land plan per 亿元 of key-chain output (连城: 2,400亩 for 255亿 ≈ 9.4)
N_PAIRS = 10
PAIR_SHARE = 0.1

QUOTE = {
    "textile": "以晋江、长乐、石狮、荔城、连江等县域为重点依托的现代纺织服装产业链",
    "integrated_circuit": "以海沧、翔安、湖里、晋江等县域为重点依托的集成电路产业链",
    "food": "支持晋江、龙海、福清、泉港、同安、石狮、惠安、新罗、涵江、马尾、连江、霞浦、诏安、东山、浦城、光泽等县域做强食品产业链",
    "building_materials": "南安、漳平、三元、闽清等县域做强建材产业链",
    "lithium": "支持以蕉城、海沧、翔安、同安、连江、福鼎、福安、上杭、霞浦等县域为重点依托打造锂电新能源产业链",
    "stainless_steel": "福安、长乐、罗源、周宁、柘荣等县域发展不锈钢新材料产业链",
    "ceramics": "德化的陶瓷工艺",
}
"""The seed's sentences naming counties for an industry (003_7af3d84c8a369bd9.txt)."""

INDUSTRIES = {
    # id: (中文, English, chain type, segments)
    "textile": ("现代纺织服装", "Textiles and apparel", "manufacturing",
                ["化纤", "纺纱", "织造", "印染", "服装", "品牌营销"]),
    "integrated_circuit": ("集成电路", "Integrated circuits", "manufacturing",
                           ["材料", "设计", "制造", "封装测试", "设备", "应用"]),
    "food": ("食品", "Food", "agri_food", ["种养", "初加工", "精深加工", "包装", "冷链", "品牌营销"]),
    "building_materials": ("建材", "Building materials", "manufacturing",
                           ["矿产", "水泥", "石材", "新型建材", "装配式建筑", "物流"]),
    "lithium": ("锂电新能源", "Lithium batteries", "manufacturing",
                ["矿产材料", "正负极", "电解液", "电芯", "模组电池包", "回收"]),
    "stainless_steel": ("不锈钢新材料", "Stainless steel", "manufacturing",
                        ["镍铁", "冶炼", "热轧", "冷轧", "制品", "贸易"]),
    "ceramics": ("陶瓷", "Ceramics", "manufacturing", ["原料", "成型", "烧成", "彩绘", "日用瓷", "工艺瓷"]),
    "tea": ("茶", "Tea", "agri_food", ["茶园", "初制", "精制", "包装", "茶文旅", "品牌营销"]),
    "bamboo": ("竹", "Bamboo", "manufacturing", ["竹林", "竹材", "竹板材", "竹家居", "竹纤维", "竹炭"]),
    "paper": ("纸", "Paper", "manufacturing", ["浆料", "造纸", "纸制品", "包装", "印刷", "回收"]),
    "footwear": ("鞋", "Footwear", "manufacturing", ["鞋材", "鞋底", "制鞋", "设计", "品牌", "电商"]),
    "glass": ("玻璃", "Glass", "manufacturing", ["原料", "浮法", "深加工", "光伏玻璃", "汽车玻璃", "电子玻璃"]),
}
"""The industries of the seed: its six named chains, 德化's ceramics and its 一片叶、一根竹、一张纸、一双鞋、一块玻璃."""

NAMED = {
    # id: (中文名, English, coastal?, industries the seed names it for)
    "jinjiang": ("晋江市", "Jinjiang", True, ["textile", "integrated_circuit", "food"]),
    "lianjiang": ("连江县", "Lianjiang", True, ["textile", "food", "lithium"]),
    "changle": ("长乐区", "Changle", True, ["textile", "stainless_steel"]),
    "shishi": ("石狮市", "Shishi", True, ["textile", "food"]),
    "haicang": ("海沧区", "Haicang", True, ["integrated_circuit", "lithium"]),
    "xiangan": ("翔安区", "Xiang'an", True, ["integrated_circuit", "lithium"]),
    "tongan": ("同安区", "Tong'an", True, ["food", "lithium"]),
    "xiapu": ("霞浦县", "Xiapu", True, ["food", "lithium"]),
    "fuan": ("福安市", "Fu'an", True, ["lithium", "stainless_steel"]),
    "licheng": ("荔城区", "Licheng", True, ["textile"]),
    "huli": ("湖里区", "Huli", True, ["integrated_circuit"]),
    "longhai": ("龙海区", "Longhai", True, ["food"]),
    "fuqing": ("福清市", "Fuqing", True, ["food"]),
    "quangang": ("泉港区", "Quangang", True, ["food"]),
    "huian": ("惠安县", "Hui'an", True, ["food"]),
    "xinluo": ("新罗区", "Xinluo", False, ["food"]),
    "hanjiang": ("涵江区", "Hanjiang", True, ["food"]),
    "mawei": ("马尾区", "Mawei", True, ["food"]),
    "zhaoan": ("诏安县", "Zhao'an", True, ["food"]),
    "dongshan": ("东山县", "Dongshan", True, ["food"]),
    "pucheng": ("浦城县", "Pucheng", False, ["food"]),
    "guangze": ("光泽县", "Guangze", False, ["food"]),
    "nanan": ("南安市", "Nan'an", True, ["building_materials"]),
    "zhangping": ("漳平市", "Zhangping", False, ["building_materials"]),
    "sanyuan": ("三元区", "Sanyuan", False, ["building_materials"]),
    "minqing": ("闽清县", "Minqing", False, ["building_materials"]),
    "jiaocheng": ("蕉城区", "Jiaocheng", True, ["lithium"]),
    "fuding": ("福鼎市", "Fuding", True, ["lithium"]),
    "shanghang": ("上杭县", "Shanghang", False, ["lithium"]),
    "luoyuan": ("罗源县", "Luoyuan", True, ["stainless_steel"]),
    "zhouning": ("周宁县", "Zhouning", False, ["stainless_steel"]),
    "zherong": ("柘荣县", "Zherong", False, ["stainless_steel"]),
    "dehua": ("德化县", "Dehua", False, ["ceramics"]),
}
"""The 33 counties the seed names, with the industries it names them for (their order puts the
counties named for more chains first: they get the larger revenues)."""

LEADERS = {("jiaocheng", "lithium"): "宁德时代 (时代锂电池)", ("fuan", "stainless_steel"): "青拓集团",
           ("guangze", "food"): "圣农集团"}
"""Leaders the seed names: "蕉城的时代锂电池、福安的青拓不锈钢 ... 光泽的圣农肉鸡"."""


def assumed(value: float, note: str) -> dict:
    return {"value": round(float(value), 2), "provenance": "assumed", "note": note}


def generate(seed: int = SEED) -> dict:
    rng = np.random.default_rng(seed)
    revenue = rng.lognormal(0.0, REVENUE_LOG_SD, N_UNITS)
    revenue = np.sort(revenue * COUNTY_MEAN_REVENUE_YI / revenue.mean())[::-1]  # mean exactly 680亿
    named = sorted(NAMED, key=lambda k: -len(NAMED[k][3]))  # stable: the seed's order within a count
    synthetic = [f"hecheng_{i:02d}" for i in range(1, N_UNITS - len(named) + 1)]
    # the named counties take the largest revenues (the seed names the counties that lead an
    # industry), those named for more chains first; the synthetic units the rest
    ids = named + synthetic
    order = list(range(N_UNITS))
    units = []
    industries = list(INDUSTRIES)
    for rank, uid in zip(order, ids):
        strong = rank < N_STRONG
        if uid in NAMED:
            zh, en, coastal, seeded = NAMED[uid]
        else:
            k = int(uid.split("_")[1])
            zh, en, coastal, seeded = f"合成县{k:02d}", f"Synthetic county {k:02d}", bool(rng.random() < 0.5), []
        n_chains = int(rng.integers(3, 5)) if strong else int(rng.integers(1, 3))
        n_chains = max(n_chains, len(seeded))
        extra = [i for i in rng.permutation(industries) if i not in seeded][: n_chains - len(seeded)]
        units.append((uid, zh, en, coastal, strong, float(revenue[rank]), seeded, [str(i) for i in extra]))
    counties = []
    for uid, zh, en, coastal, strong, rev, seeded, extra in units:
        share = rng.uniform(*KEY_CHAIN_SHARE)
        split = rng.dirichlet(np.full(len(seeded) + len(extra), 2.0))
        chains = []
        for ind, part in zip([*seeded, *extra], split):
            izh, ien, itype, segments = INDUSTRIES[ind]
            base = min(max(rev * share * part, 1.0), 9000.0)
            growth = rng.uniform(*TARGET_GROWTH)
            note = (f"Named in the seed: \"{QUOTE[ind]}\" (003_7af3d84c8a369bd9.txt)." if ind in seeded else
                    "Industry drawn from the seed's list (assumed).")
            chain = {
                "id": ind, "name_zh": f"{zh}{izh}产业链", "name_en": f"{en} {ien.lower()}", "type": itype,
                "base_output": assumed(base, f"{share:.0%} of the unit's {rev:.0f}亿 revenue in its key chains, "
                                             f"{part:.0%} of it in this one (generated)"),
                "targets": [{"value": round(float(base * (1 + growth) ** 4), 1), "year": 2027, "provenance": "assumed"}],
                "segments": list(segments),
                "segments_filled": int(rng.integers(2, 6)),
                "note": note,
            }
            if (uid, ind) in LEADERS:
                chain["leaders"] = [LEADERS[(uid, ind)]]
            elif base >= 150:
                chain["leaders"] = [f"{zh}{izh}龙头企业"]
            chains.append(chain)
        total = sum(c["base_output"]["value"] for c in chains)
        counties.append({
            "id": uid, "name_zh": zh, "name_en": en, "coastal": coastal,
            "lead_rate_scale": assumed(LEADS_PER_REFERENCE * total / REFERENCE_CHAINS_YI,
                                       f"{LEADS_PER_REFERENCE:g} × its chains' {total:.0f}亿 / 连城's "
                                       f"{REFERENCE_CHAINS_YI:g}亿 (generated)"),
            "resources": {
                "land_supply_mu_per_year": assumed(LAND_MU_PER_YI * total, f"{LAND_MU_PER_YI:g}亩 a year per 亿元 "
                                                   "of key-chain output (generated)"),
                "land_bank_mu": assumed(LAND_MU_PER_YI * total / 2, "half a year of its land plan (generated)"),
                "factory_space_wm2": assumed(0.0, "none ready at the start (generated)"),
            },
            "chains": chains,
        })
    # 山海协作: each strong coastal unit paired with a mountain unit that shares an industry
    pairs = []
    mountain = [u for u in units if not u[3]]
    used: set[str] = set()
    for u in units:
        if len(pairs) == N_PAIRS:
            break
        if not u[3]:
            continue
        mine = set(u[6]) | set(u[7])
        partner = next((m for m in mountain if m[0] not in used and mine & (set(m[6]) | set(m[7]))), None)
        if partner is None:
            continue
        used.add(partner[0])
        pairs.append({"coastal": u[0], "mountain": partner[0], "share": PAIR_SHARE, "provenance": "assumed",
                      "note": "山海协作: 共建产业园区 (003_7af3d84c8a369bd9.txt); pair and share generated"})
    return {
        "id": "fujian",
        "title": "福建省 84 个县域重点产业链（合成） (a synthetic Fujian of 84 county-level units)",
        "county": {"name_zh": "福建省", "name_en": "Fujian (synthetic)", "province": "福建省"},
        "calendar": {"start": "2024-01", "horizon": "2027-12", "warmup_months": 36},
        "policy": {"name": "status_quo", "description": "每个县域的现行招商力度 (status quo in every unit)",
                   "levers": {"attraction_effort": {"value": 1.0, "note": "explicit, so that variants can set "
                                                                         "by_county (see scenarios/variants/)"}}},
        "parameters": {
            "contested_share": {"value": 0.5, "provenance": "assumed", "figure": "fj_chains_per_county_max",
                                "note": "half of a chain's status-quo leads are contested by the province's units "
                                        "of its industry"},
            "enterprise_output_yi": {"value": 3.0, "provenance": "assumed",
                                     "note": "a county chain's firms are above-scale firms (规上) of about 3亿 a year"},
        },
        "counties": counties,
        "pairs": pairs,
        "ensemble": {"reps": 200, "seed": SEED},
    }


HEADER = """\
# 福建省 84 个县域 (a synthetic Fujian of 84 county-level units): GENERATED by
# scripts/generate_fujian.py; do not edit by hand, rerun the script.
#
# Not Fujian's real figures: every number below is generated and flagged `provenance: assumed`.
# What is reported (/work/shared/seeds/003_7af3d84c8a369bd9.txt, 福建省政府网, 2024-07-29):
#   "全省县域规上工业营收均值为680亿元" (fj_county_industrial_revenue_avg): the units' revenues are
#     drawn and scaled to that mean;
#   "支持各县（市、区）发展1~2条重点产业链，产业基础优势明显的发展3~4条重点产业链": 1-2 chains per unit,
#     3-4 for the 11 largest ("入选全国县域经济百强的县、区11个", fj_top100_counties);
#   the counties the seed names for an industry keep their names and those chains (quoted in
#     each chain's note); they compete for that industry's leads (chainsim.province).
# Chain ids are qualified on loading: jinjiang's textile chain is jinjiang__textile.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if scenarios/fujian.yaml is not what the script writes")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    text = HEADER + yaml.safe_dump(generate(), allow_unicode=True, sort_keys=False, width=110)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{args.out} differs from what {Path(__file__).name} writes")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {N_UNITS} units")
    return 0


if __name__ == "__main__":
    sys.exit(main())
