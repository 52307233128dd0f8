"""Faults: a damaged store, a stray .wal, a full disk, an export that fails midway, and
SIGKILL / SIGTERM in the middle of run, calibrate, sensitivity and export (serially and
with --workers 2). Each leaves a readable store holding only whole runs, no half-written
output and, where chainsim can see to it, no stray process. No assertion on timing: waits
are for a state, bounded only so that a broken build fails instead of hanging."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chainsim.commands.export import export_whole
from chainsim.ensemble import run_ensemble
from chainsim.errors import InputError
from chainsim.scenario import load_scenario
from chainsim.store import open_store, wal_path

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "scenarios" / "tiny.yaml"
FLOWS = REPO / "tests" / "scenarios" / "calib_flows.yaml"
PATIENCE_S = 120
"""Upper bound on any wait for a state (a broken build fails instead of hanging)."""


def cli(*args: object, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def start(*args: object, cwd: Path) -> subprocess.Popen[str]:
    """``chainsim ARGS`` in a session of its own (so its workers can be found by group)."""
    return subprocess.Popen([sys.executable, "-m", "chainsim.cli", *map(str, args)], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def assert_bad_input(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def children(pid: int) -> list[int]:
    """Child processes of ``pid``, whichever of its threads started them (a pool may be
    started from a worker thread)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*") if Path(f"/proc/{pid}/task").is_dir() else []:
        try:
            out.extend(int(x) for x in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def assert_whole_runs(path: Path) -> int:
    """The store opens and every run in it loads whole; returns how many there are."""
    store = open_store(path, read_only=True)
    runs = store.list_runs()
    for run_id, reps, n_targets in runs[["run_id", "reps", "n_targets"]].itertuples(index=False):
        s = store.get(run_id)
        assert s.reached.shape == (reps, n_targets) and len(s.targets) == n_targets and len(s.bands) > 0
    return len(runs)


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """A store holding one run of tiny.yaml (300 replicates, seed 7)."""
    path = tmp_path_factory.mktemp("stored") / "r.duckdb"
    open_store(path).save(run_ensemble(load_scenario(TINY), 300, 7), source="tiny.yaml")
    return path


def copy_store(stored: Path, tmp_path: Path) -> Path:
    path = tmp_path / "r.duckdb"
    shutil.copy(stored, path)
    return path


# --------------------------------------------------------------------------- damaged store


@pytest.mark.parametrize("damage", ["overwrite_blocks", "truncate", "overwrite_header"])
def test_a_damaged_store_is_bad_input_naming_it_and_what_to_do(stored, tmp_path, damage):
    path = copy_store(stored, tmp_path)
    size = path.stat().st_size
    with path.open("r+b") as f:
        if damage == "truncate":
            f.truncate(size // 2)
        elif damage == "overwrite_header":
            f.seek(4096)
            f.write(b"\xa5" * 8192)
        else:  # a few bytes inside every 256 KB block after the 12 KB of headers: every checksum fails
            for offset in range(12288 + 64, size, 262144):
                f.seek(offset)
                f.write(b"\xa5" * 64)
    result = cli("run", TINY, "--reps", 300, "--seed", 7, "--store", path, cwd=tmp_path)
    assert_bad_input(result, str(path), "damaged", "Move it aside", "--store")
    assert path.exists()  # never deleted


def test_a_garbage_wal_beside_the_store_is_refused_and_kept(stored, tmp_path):
    path = copy_store(stored, tmp_path)
    wal = wal_path(path)
    wal.write_bytes(b"not a log" * 100)
    for args in (["run", TINY, "--reps", 300, "--seed", 7, "--store", path], ["export", "--list", "--store", path]):
        assert_bad_input(cli(*args, cwd=tmp_path), str(wal), "not a DuckDB write-ahead log", "Move it aside")
    assert wal.read_bytes() == b"not a log" * 100
    wal.rename(tmp_path / "moved.wal")  # what the message says to do
    assert cli("export", "--list", "--store", path, cwd=tmp_path).returncode == 0


def test_a_real_wal_left_by_a_killed_writer_is_replayed_not_refused(tmp_path):
    path = tmp_path / "r.duckdb"
    code = ("import os, sys\nfrom chainsim.ensemble import run_ensemble\nfrom chainsim.scenario import load_scenario\n"
            "from chainsim.store import open_store\nimport duckdb\n"
            f"store = open_store({str(path)!r})\n"
            "con = duckdb.connect(store.path.as_posix())\ncon.execute('PRAGMA disable_checkpoint_on_shutdown')\n"
            "con.execute(\"INSERT INTO chainsim_meta VALUES ('killed_writer', 'committed')\")\n"
            "os.kill(os.getpid(), 9)\n")
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, timeout=60)
    assert wal_path(path).exists()
    assert cli("export", "--list", "--store", path, cwd=tmp_path).returncode == 0
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT value FROM chainsim_meta WHERE key = 'killed_writer'").fetchone() == ("committed",)
    finally:
        con.close()


# --------------------------------------------------------------------------- full disk


@pytest.fixture
def small_disk(tmp_path):
    """A 12 MB tmpfs (skipped where mounting is not permitted)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(folder: Path) -> Path:
    """Fill the disk of ``folder`` to the last byte; returns the filler file."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_during_a_save_is_bad_input_and_loses_no_stored_run(small_disk, tmp_path):
    path = small_disk / "r.duckdb"
    first = cli("run", TINY, "--reps", 300, "--seed", 7, "--store", path, "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    filler = fill(small_disk)
    result = cli("run", TINY, "--reps", 4000, "--seed", 8, "--store", path, "--json", cwd=tmp_path)
    assert_bad_input(result, "disk is full", str(path))
    filler.unlink()
    assert assert_whole_runs(path) == 1
    again = cli("run", TINY, "--reps", 300, "--seed", 7, "--store", path, "--json", cwd=tmp_path)
    assert again.returncode == 0 and "reusing the stored run" in again.stderr and again.stdout == first.stdout


def test_an_export_to_a_full_disk_is_bad_input_and_leaves_no_folder(stored, small_disk, tmp_path):
    fill(small_disk)
    out = small_disk / "export"
    result = cli("export", "--store", stored, "--out", out, "--format", "csv", cwd=tmp_path)
    assert_bad_input(result, "cannot")
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def test_an_export_that_fails_midway_leaves_no_partial_folder(stored, tmp_path):
    store = open_store(stored, read_only=True)
    real = store.export

    def one_file_then_fail(out_dir, fmt):
        real(out_dir, fmt)
        next(Path(out_dir).iterdir()).unlink()
        raise InputError("cannot write bands.csv: simulated failure")

    store.export = one_file_then_fail  # type: ignore[method-assign]
    with pytest.raises(InputError):
        export_whole(store, tmp_path / "out", "csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- signals


def scenario_copies(tmp_path: Path, n: int) -> list[Path]:
    text = TINY.read_text(encoding="utf-8")
    paths = []
    for k in range(n):
        p = tmp_path / f"tiny_{k}.yaml"
        p.write_text(text.replace("id: tiny\n", f"id: tiny_{k}\n", 1), encoding="utf-8")
        paths.append(p)
    return paths


def finish(proc: subprocess.Popen[str], sig: int, workers: bool) -> tuple[int, str]:
    """Send ``sig``, wait for the process, and check no process of its group is left when
    chainsim could see to it (after SIGTERM, or SIGKILL of a serial run). SIGKILL of the
    parent of --workers 2 is issue 16's (tests/test_parallel.py): its group is ended here."""
    assert proc.poll() is None, "the command finished before the signal"
    proc.send_signal(sig)
    proc.wait(timeout=PATIENCE_S)
    if sig == signal.SIGKILL and workers and group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)  # orphans hold the pipes open; ending them is issue 16's
    _, err = proc.communicate(timeout=PATIENCE_S)
    if sig == signal.SIGTERM or not workers:
        deadline = time.monotonic() + PATIENCE_S
        while group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not group_alive(proc.pid), "a process of the command outlived it"
    if sig == signal.SIGTERM:
        assert proc.returncode == 143 and "terminated" in err and "Traceback" not in err, err
    else:
        assert proc.returncode == -signal.SIGKILL
    return proc.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("workers", [None, 2], ids=["serial", "workers2"])
def test_a_signal_during_run_leaves_whole_runs_only(tmp_path, sig, workers):
    path = tmp_path / "r.duckdb"
    files = scenario_copies(tmp_path, 4)
    open_store(path)
    store = open_store(path, read_only=False)
    extra = ["--workers", workers] if workers else []
    proc = start("run", *files, "--reps", 3000, "--store", path, "--json", *extra, cwd=tmp_path)
    try:
        wait_until(lambda: proc.poll() is not None or len(store.list_runs()) >= 1, "a first stored run")
        finish(proc, sig, bool(workers))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert 1 <= assert_whole_runs(path) < len(files)


def busy(proc: subprocess.Popen[str], workers: bool) -> bool:
    """Whether the command is past its imports and computing (its workers exist, or it and its
    workers have used a few seconds of CPU)."""
    used = cpu_seconds(proc.pid) + sum(cpu_seconds(c) for c in children(proc.pid))  # a default pool computes too
    return proc.poll() is not None or used > 3.0 or (workers and len(children(proc.pid)) >= 2)


@pytest.mark.parametrize("command, sig, workers", [
    ("calibrate", signal.SIGTERM, None), ("calibrate", signal.SIGKILL, 2),
    ("sensitivity", signal.SIGKILL, None), ("sensitivity", signal.SIGTERM, 2),
], ids=["calibrate-SIGTERM-serial", "calibrate-SIGKILL-workers2", "sensitivity-SIGKILL-serial",
        "sensitivity-SIGTERM-workers2"])
def test_a_signal_during_calibrate_or_sensitivity_leaves_no_output_and_no_process(tmp_path, command, sig, workers):
    out = tmp_path / "calibrated.yaml"
    args = ([FLOWS, "--out", out, "--rows", 400000] if command == "calibrate"
            else [TINY, "--reps", 400, "--trajectories", 40])
    extra = ["--workers", workers] if workers else []
    proc = start(command, *args, "--json", *extra, cwd=tmp_path)
    try:
        wait_until(lambda: busy(proc, bool(workers)), f"{command} computing")
        finish(proc, sig, bool(workers))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert not out.exists()
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


@pytest.fixture(scope="module")
def big_store(tmp_path_factory) -> Path:
    """A store of 30 runs × 20,000 replicates: exporting it takes a moment."""
    path = tmp_path_factory.mktemp("big") / "r.duckdb"
    summary = run_ensemble(load_scenario(TINY), 20000, 1)
    store = open_store(path)
    for seed in range(30):
        store.save(dataclasses.replace(summary, seed=seed))
    return path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_signal_during_export_leaves_no_folder_under_the_name_asked_for(big_store, tmp_path, sig):
    out = tmp_path / "export"
    proc = start("export", "--store", big_store, "--out", out, "--format", "csv", cwd=tmp_path)
    try:
        wait_until(lambda: proc.poll() is not None or any(p.name.endswith(".partial") for p in tmp_path.iterdir()),
                   "the temporary export folder")
        finish(proc, sig, False)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert not out.exists()
    leftovers = [p.name for p in tmp_path.iterdir()]
    if sig == signal.SIGTERM:
        assert leftovers == []  # the temporary folder was removed on the way out
    else:
        assert all(name.startswith(".export.") and name.endswith(".partial") for name in leftovers)
    assert assert_whole_runs(big_store) == 30
