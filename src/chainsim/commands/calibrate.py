"""``chainsim calibrate FILE``: the posterior of the uncertain parameters given the figures.

Prints each parameter's posterior median and 90% interval against its prior's, which
parameters the figures barely inform, and reported vs simulated figures (holdout
included); ``--json`` prints CONTRACT.md's JSON instead; ``--out PATH`` writes the
posterior as YAML a scenario can ``extends:``. ``--check N`` instead proves the method on N
synthetic data sets (``chainsim.calibration.check``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .common import add_executor_options, add_output_options, emit_json, execution, positive_int, seed_int

if TYPE_CHECKING:
    from ..calibrate import CalibrationResult

# The calibration is imported when it starts, not to build the parser.
DEFAULT_REPS = 1000
"""``chainsim.calibrate.CALIBRATION_REPS``, written out so that the parser need not import
the calibration (tests/test_startup.py checks they agree)."""
DEFAULT_ROWS = 20_000
"""``chainsim.calibrate.REFERENCE_ROWS`` (checked likewise)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="the posterior of the scenario's uncertain parameters given its figures")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--rows", type=positive_int, default=DEFAULT_ROWS,
                   help=f"prior draws in the reference table, one simulation each (default {DEFAULT_ROWS})")
    p.add_argument("--reps", type=positive_int, default=DEFAULT_REPS,
                   help=f"replicates of the posterior predictive behind the fit table (default {DEFAULT_REPS})")
    p.add_argument("--check", type=positive_int, metavar="N",
                   help="prove the method: N synthetic data sets from the prior predictive, each recalibrated; "
                        "coverage of the 50%% and 90%% intervals and rank uniformity")
    p.add_argument("--check-reps", type=positive_int, default=200, metavar="R",
                   help="with --check: replicates behind each data set's P(target) (default 200)")
    p.add_argument("--seed", type=seed_int, help="seed of the common random numbers (default: the scenario's)")
    add_executor_options(p)
    add_output_options(p)
    p.add_argument("--out", metavar="PATH", help="write the calibrated parameters as YAML a scenario can extend")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..calibrate import calibrate
    from ..calibration.moments import calibration_problems
    from ..scenario import load_scenario, locate_problems

    scenario = load_scenario(args.file)
    problems = calibration_problems(scenario)
    if problems:
        raise locate_problems(args.file, problems)
    if args.check is not None:
        return _run_check(args, scenario)
    out = Path(args.out) if args.out else None
    if out is not None and out.is_dir():
        raise InputError(f"--out {args.out}: is a directory; give a file name such as {out / (scenario.id + '.yaml')}")
    started = time.perf_counter()
    with execution(args, f"calibrating {scenario.id}", unit="sim") as (executor, update):
        result = calibrate(scenario, rows=args.rows, reps=args.reps, seed=args.seed, executor=executor,
                           progress=update)
    elapsed = time.perf_counter() - started
    if out is not None:
        text = result.to_yaml(source=args.file)
        _check_extendable(scenario, text, args.file)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            _write_whole(out, text)
        except OSError as exc:
            raise InputError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    if args.json:
        emit_json(result.to_contract())
    else:
        print_result(args.file, result, elapsed)
    if out is not None:
        print(f"wrote {out}", file=sys.stderr)
        own = sorted(set(_own_parameters(args.file)) & set(result.parameters["name"]))
        if own:
            print(f"note: {args.file} sets {', '.join(own)} itself; a scenario's own parameters override an "
                  f"extended file's, so remove them there when it extends {out}", file=sys.stderr)
    return 0


def _write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` all or nothing: into a temporary file beside it, renamed
    over it once complete (a killed or failed write leaves the old file, never half a file)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _top_document(file: str) -> tuple[dict[str, Any], Any] | None:
    from ..scenario import ScenarioError, decode_text, parse_text, read_bounded

    try:
        return parse_text(decode_text(read_bounded(file), file), file)
    except ScenarioError:
        return None


def _own_parameters(file: str) -> list[str]:
    """Parameters the file itself sets (not those it extends)."""
    doc = _top_document(file)
    params = doc[0].get("parameters") if doc else None
    return list(params) if isinstance(params, dict) else []


def _check_extendable(scenario: Any, text: str, file: str) -> None:
    """The written parameters must make a valid scenario (they are what ``extends`` adds)."""
    import yaml

    from ..scenario import scenario_from_data

    written = yaml.safe_load(text)
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["parameters"] = {**data.get("parameters", {}), **written["parameters"]}
    data["posterior"] = written["posterior"]
    scenario_from_data(data, file)


def _num(x: float) -> str:
    return f"{x:.4g}"


def _pad(text: str, width: int) -> str:
    """Left-justify to ``width`` terminal columns (CJK characters take two)."""
    cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - cols, 0)


def print_result(name: str, r: "CalibrationResult", elapsed_s: float) -> None:
    n_fit = len(r.figures)
    print(f"\n{r.scenario_id} ({name}): posterior given {n_fit} reported figures, seed {r.seed}")
    print(f"  {r.method}; {elapsed_s:.0f} s")
    print("\n  Parameters (posterior median and 90% interval against the prior's 90%, in the parameter's unit)")
    print(f"  {'parameter':<34} {'median':>9}  {'90% interval':<22} {'prior 90%':<22} {'narrowed':>8}  unit")
    for p in r.parameters.itertuples(index=False):
        iv, pr = f"[{_num(p.lo)}, {_num(p.hi)}]", f"[{_num(p.prior_lo)}, {_num(p.prior_hi)}]"
        flag = "" if p.identified else "  barely informed"
        print(f"  {p.name:<34} {_num(p.estimate):>9}  {iv:<22} {pr:<22} {p.narrowing:>7.0%}  "
              f"{_pad(p.unit, 34)}{flag}".rstrip())
    if r.not_identified:
        print(f"\n  barely informed by these figures (their prior uncertainty is carried into P(target)): "
              f"{', '.join(r.not_identified)}")
    print("\n  Reported vs simulated, posterior predictive (simulated: mean and 90% interval over replicates)")
    print(f"  {'figure':<32} {'statistic':<18} {'period':<17} {'reported':>10} {'simulated':>10}  "
          f"{'90% interval':<22} unit")
    for f in r.fit.itertuples(index=False):
        tag = ("inside" if f.within else "OUTSIDE") + (" (holdout)" if f.holdout else "")
        print(f"  {f.figure:<32} {f.statistic:<18} {f.period:<17} {_num(f.reported):>10} "
              f"{_num(f.simulated_mean):>10}  {'[' + _num(f.simulated_lo) + ', ' + _num(f.simulated_hi) + ']':<22} "
              f"{_pad(f.unit, 10)} {tag}")
    holdout = r.fit[r.fit["holdout"]]
    if len(holdout):
        inside = int(holdout["within"].sum())
        print(f"\n  holdout: {inside} of {len(holdout)} held-out figures inside the 90% predictive interval")


def _run_check(args: argparse.Namespace, scenario: Any) -> int:
    from ..calibration.check import check_calibration

    started = time.perf_counter()
    with execution(args, f"checking the calibration of {scenario.id}", unit="step") as (executor, update):
        result = check_calibration(scenario, args.check, rows=args.rows, seed=args.seed, reps=args.check_reps,
                                   executor=executor, progress=update)
    if args.json:
        emit_json({"check": result.to_contract()})
    else:
        print_check(args.file, result, time.perf_counter() - started)
    return 0


def print_check(name: str, c: Any, elapsed_s: float) -> None:
    print(f"\n{c.scenario_id} ({name}): calibration checked on {c.datasets} synthetic data sets from the prior "
          f"predictive ({c.rows} reference rows, {elapsed_s:.0f} s)")
    print(f"  nominal 50% / 90%; Monte Carlo error of a coverage at N={c.datasets}: ±{c.coverage_se(0.5):.2f} / "
          f"±{c.coverage_se(0.9):.2f} (one standard error)")
    print(f"\n  {'parameter':<34} {'cover 50%':>9} {'cover 90%':>9} {'rank p':>8}")
    for p in c.parameters.itertuples(index=False):
        print(f"  {p.name:<34} {p.coverage_50:>9.2f} {p.coverage_90:>9.2f} {p.rank_p:>8.3f}"
              + ("  off nominal" if not p.within_error else ""))
    print(f"\n  {'chain':<24} {'P(target) inside its 90% spread':>32} {'data sets where it varies':>26}")
    for p in c.p_reach.itertuples(index=False):
        print(f"  {p.chain:<24} {p.coverage_90:>32.2f} {p.informative:>26d}")
