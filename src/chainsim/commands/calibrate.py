"""``chainsim calibrate FILE``: fit the free parameters to the reported figures.

Prints the estimates with 90% intervals, which parameters the figures do not pin down,
and reported vs simulated figures (holdout included); ``--json`` prints CONTRACT.md's
JSON instead; ``--out PATH`` writes the calibrated parameters as YAML a scenario can
``extends:``.
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

# The fit (scipy.optimize) is imported when a calibration starts, not to build the parser.
DEFAULT_REPS = 400
"""``chainsim.calibrate.CALIBRATION_REPS``, written out so that the parser need not import
the fit (tests/test_startup.py checks they agree)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="fit the scenario's free parameters to the reported figures it names")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--reps", type=positive_int, default=DEFAULT_REPS,
                   help=f"replicates per evaluation of the fit (default {DEFAULT_REPS})")
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
    out = Path(args.out) if args.out else None
    if out is not None and out.is_dir():
        raise InputError(f"--out {args.out}: is a directory; give a file name such as {out / (scenario.id + '.yaml')}")
    started = time.perf_counter()
    with execution(args, f"calibrating {scenario.id}", unit="sim") as (executor, update):
        result = calibrate(scenario, reps=args.reps, seed=args.seed, executor=executor, progress=update)
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

    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["parameters"] = {**data.get("parameters", {}), **yaml.safe_load(text)["parameters"]}
    scenario_from_data(data, file)


def _num(x: float) -> str:
    return f"{x:.4g}"


def _pad(text: str, width: int) -> str:
    """Left-justify to ``width`` terminal columns (CJK characters take two)."""
    cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - cols, 0)


def print_result(name: str, r: "CalibrationResult", elapsed_s: float) -> None:
    n_fit = len(r.figures)
    print(f"\n{r.scenario_id} ({name}): calibrated to {n_fit} reported figures; {r.reps} replicates per "
          f"simulation, seed {r.seed}")
    print(f"  {r.nfev} simulations in {elapsed_s:.0f} s; loss Σz² = {r.fun:.2f}; optimiser: {r.message}")
    print("\n  Parameters (estimate and 90% interval, in the parameter's unit)")
    print(f"  {'parameter':<26} {'estimate':>10}  {'90% interval':<24} unit")
    for p in r.parameters.itertuples(index=False):
        if p.identified:
            est, iv = _num(p.estimate), f"[{_num(p.lo)}, {_num(p.hi)}]"
        else:
            est, iv = "—", f"[{_num(p.low)}, {_num(p.high)}] free range"
        print(f"  {p.name:<26} {est:>10}  {iv:<24} {_pad(p.unit, 36)}{'' if p.identified else '  not identified'}".rstrip())
    if r.not_identified:
        print(f"\n  not identified by these figures: {', '.join(r.not_identified)}")
    for d in r.flat_directions:
        combo = " ".join(f"{w:+.2f}·{n}" for n, w in d.items())
        print(f"  flat direction (the figures cannot tell apart moves along it, on the unit-range scale): {combo}")
    if r.uninformative:
        print(f"  figures no free parameter moves (they check fixed inputs, they do not inform the fit): "
              f"{', '.join(r.uninformative)}")
    print("\n  Reported vs simulated at the estimate (simulated: mean and 90% interval over replicates)")
    print(f"  {'figure':<28} {'statistic':<20} {'period':<17} {'reported':>10} {'simulated':>10}  "
          f"{'90% interval':<20} unit")
    for f in r.fit.itertuples(index=False):
        tag = ("inside" if f.within else "OUTSIDE") + (" (holdout)" if f.holdout else "")
        print(f"  {f.figure:<28} {f.statistic:<20} {f.period:<17} {_num(f.reported):>10} "
              f"{_num(f.simulated_mean):>10}  {'[' + _num(f.simulated_lo) + ', ' + _num(f.simulated_hi) + ']':<20} "
              f"{_pad(f.unit, 10)} {tag}")
    holdout = r.fit[r.fit["holdout"]]
    if len(holdout):
        inside = int(holdout["within"].sum())
        print(f"\n  holdout: {inside} of {len(holdout)} held-out figures inside the 90% predictive interval")
