"""Faults of the build and of everything that loads it (issue 8, cases 1, 2, 4, 5, 6, 9).

Each test damages a private copy of data/raw or data/processed (PARLIB_* overrides) and runs the
real CLI in a subprocess: a non-zero exit, ONE line on stderr naming the file, and the processed
folder byte-identical where nothing may change.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from fault_helpers import (
    ROOT,
    cli,
    error_line,
    in_namespace,
    make_stale,
    namespaces,
    reregister,
    snapshot,
)

from parlib import atomic, panel, store
from parlib.cli import main

PAPI_2024 = "ml-mcdm/data/csv/2024.csv"
PAPI_XLSX = "vietnamdata/data-raw/PAPI/PAPI_2011-2016.xlsx"
SIPAS_2019 = "published/sipas/sipas_2019_partial.csv"


def _papi(processed: Path, pid: str, year: int) -> float:
    frame = pd.read_parquet(processed / "panel.parquet")
    return float(frame.loc[(frame["province_id"] == pid) & (frame["year"] == year), "papi_total"].iloc[0])


# --------------------------------------------------------------------------- case 1: verified inputs


@pytest.mark.parametrize("damage", ["one byte", "truncated"])
def test_a_changed_raw_file_stops_every_command(site, damage):
    raw, processed, reports, environ = site
    path = raw / PAPI_2024
    data = path.read_bytes()
    if damage == "one byte":  # Hà Nội's first sub-dimension 1.425... -> 1.925...: +0.5 on the 2024 total
        i = data.index(b"P01,1.4") + len(b"P01,1.")
        path.write_bytes(data[:i] + b"9" + data[i + 1 :])
    else:
        path.write_bytes(data[:6000])
    before = snapshot(processed, reports)
    commands = [["data", "build"], ["panel"], ["card", "Hà Nội", "2022"]]
    commands += [["report", "--province", "Hà Nội", "--year", "2022"]]
    for args in commands if damage == "one byte" else commands[:1]:
        line = error_line(cli(*args, environ=environ), PAPI_2024, "sha256", "parlib data pull")
        assert "does not match" in line
    assert snapshot(processed, reports) == before
    assert _papi(processed, "01", 2024) == pytest.approx(43.77, abs=0.01)  # the verified number, not 44.27


def test_a_truncated_raw_workbook_is_named(site):
    raw, processed, _, environ = site
    path = raw / PAPI_XLSX
    path.write_bytes(path.read_bytes()[:6000])
    before = snapshot(processed)
    error_line(cli("data", "build", environ=environ), PAPI_XLSX, "sha256")
    assert snapshot(processed) == before


def test_an_unregistered_file_is_refused(site):
    raw, processed, _, environ = site
    shutil.copy(raw / SIPAS_2019, raw / "published/sipas/sipas_2019_copy.csv")
    before = snapshot(processed)
    line = error_line(cli("data", "build", environ=environ), "sipas_2019_copy.csv", "registry.csv")
    assert "not in" in line
    assert snapshot(processed) == before


def test_a_committed_table_edited_names_git_checkout(site):
    raw, _, _, environ = site
    path = raw / SIPAS_2019
    path.write_text(path.read_text(encoding="utf-8").replace("84.", "48.", 1), encoding="utf-8")
    error_line(cli("data", "build", environ=environ), SIPAS_2019, "git checkout")


# --------------------------------------------------------------------------- case 2: content, not times


def _sipas_row(raw: Path) -> tuple[str, str]:
    frame = pd.read_csv(raw / SIPAS_2019, dtype=str, keep_default_na=False)
    row = frame[(frame["value"] != "") & (frame["province"] != "NATIONAL")].iloc[0]
    return row["province"], row["value"]


def test_restoring_a_file_with_an_old_mtime_is_seen(site, tmp_path):
    """Edit a published table on purpose (registry updated), build, restore both with cp -p: the card
    shows the original value again, although every restored file carries its old mtime."""
    raw, _, _, environ = site
    province, value = _sipas_row(raw)
    saved = tmp_path / "saved"
    saved.mkdir()
    for name in (SIPAS_2019, "registry.csv"):
        shutil.copy2(raw / name, saved / Path(name).name)
    text = (raw / SIPAS_2019).read_text(encoding="utf-8")
    (raw / SIPAS_2019).write_text(text.replace(f",{value},", ",55.55,", 1), encoding="utf-8")
    reregister(raw, SIPAS_2019)
    edited = cli("panel", "--year", "2019", environ=environ)  # the panel's SIPAS column: cheaper than a card
    assert edited.returncode == 0, edited.stderr
    assert "55.55" in edited.stdout
    for name in (SIPAS_2019, "registry.csv"):
        subprocess.run(["cp", "-p", str(saved / Path(name).name), str(raw / name)], check=True)
    assert cli("data", "status", environ=environ).returncode == 0
    restored = cli("card", province, "2019", environ=environ)
    assert restored.returncode == 0, restored.stderr
    assert "55.55" not in restored.stdout and f"{float(value):.2f}" in restored.stdout


def test_a_rebuild_with_the_same_content_changes_nothing(site):
    _, processed, _, environ = site
    first = store.current(processed)
    again = cli("data", "build", environ=environ)
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr
    assert store.current(processed).path == first.path
    forced = cli("data", "build", "--force", environ=environ)
    assert forced.returncode == 0, forced.stderr
    second = store.current(processed)
    assert second.path != first.path and second.key == first.key
    assert second.manifest["files"] == first.manifest["files"]  # the same bytes: nothing downstream is stale


# --------------------------------------------------------------------------- case 4: one generation


def test_a_build_killed_between_its_two_files_leaves_the_old_generation(site):
    _, processed, _, environ = site
    make_stale(processed)
    old = store.current(processed)
    code = """
import os, signal
from parlib import panel, store
real = store._write_synced
calls = []
def killer(path, data):
    calls.append(path)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    real(path, data)
store._write_synced = killer
panel.build()
"""
    proc = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    gen = store.current(processed)
    assert gen.path == old.path
    gen.verify()  # observations and panel of one build, matching its manifest
    left = [p for p in (processed / store.GENERATIONS).iterdir() if atomic.TMP_MARK in p.name]
    assert left, "the killed build's temporary folder is there until the next build sweeps it"
    (processed / ".observations.parquet.x.part").write_bytes(b"stale")
    assert cli("data", "build", environ=environ).returncode == 0
    leftovers = [p for p in processed.rglob(".*") if atomic.TMP_MARK in p.name or p.name.endswith(".part")]
    assert leftovers == []


def test_an_interrupted_build_changes_nothing(site, monkeypatch):
    raw, processed, _, _ = site
    monkeypatch.setenv("PARLIB_RAW_DIR", str(raw))
    monkeypatch.setenv("PARLIB_PROCESSED_DIR", str(processed))
    make_stale(processed)
    before = snapshot(processed)
    calls = []
    real = store._write_synced

    def interrupt(path, data):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(path, data)

    monkeypatch.setattr(store, "_write_synced", interrupt)
    with pytest.raises(KeyboardInterrupt):
        panel.build()
    assert snapshot(processed) == before


# --------------------------------------------------------------------------- case 5: damaged processed files


def test_a_half_written_manifest_is_rebuilt_or_refused(site, monkeypatch):
    _, processed, _, environ = site
    manifest = store.current(processed).file(store.MANIFEST)
    manifest.write_text('{"schema": "parlib.b', encoding="utf-8")
    monkeypatch.setenv("PARLIB_PROCESSED_DIR", str(processed))
    monkeypatch.setenv("PARLIB_RAW_DIR", environ["PARLIB_RAW_DIR"])
    with pytest.raises(store.DamagedBuildError) as err:
        panel.load_panel(rebuild=False)
    assert "build.json" in str(err.value) and "\n" not in str(err.value)
    proc = cli("panel", environ=environ)  # derived data: rebuilt from the verified raw files
    assert proc.returncode == 0 and "1264 rows" in proc.stdout, proc.stderr
    store.current(processed).verify()


def test_a_legacy_half_written_stamp_is_rebuilt(tmp_path, site):
    """The layout before generations: top-level files and a build.json cut short."""
    _, processed, _, environ = site
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    for name in ("panel.parquet", "observations.parquet"):
        shutil.copy(processed / name, legacy / name)
    shutil.copytree(processed / "readers", legacy / "readers")  # kept reader outputs: a fast rebuild
    (legacy / "build.json").write_text('{"raw": "/tm', encoding="utf-8")
    proc = cli("panel", environ={**environ, "PARLIB_PROCESSED_DIR": str(legacy)})
    assert proc.returncode == 0 and "1264 rows" in proc.stdout, proc.stderr
    assert (legacy / "panel.parquet").is_symlink() and (legacy / "build.json").is_symlink()


def test_a_truncated_panel_is_rebuilt_or_refused(site, monkeypatch):
    _, processed, _, environ = site
    target = store.current(processed).file("panel.parquet")
    target.write_bytes(target.read_bytes()[:5000])
    monkeypatch.setenv("PARLIB_PROCESSED_DIR", str(processed))
    monkeypatch.setenv("PARLIB_RAW_DIR", environ["PARLIB_RAW_DIR"])
    with pytest.raises(store.DamagedBuildError, match=r"panel\.parquet: does not match its build manifest"):
        panel.load_panel(rebuild=False)
    proc = cli("panel", "--year", "2022", environ=environ)
    assert proc.returncode == 0 and "1264 rows" in proc.stdout, proc.stderr


def test_processed_dir_that_is_a_file(site, tmp_path):
    _, _, _, environ = site
    afile = tmp_path / "not-a-folder"
    afile.write_text("precious\n")
    for args in (["data", "build"], ["panel"], ["card", "Lạng Sơn", "2022"]):
        proc = cli(*args, environ={**environ, "PARLIB_PROCESSED_DIR": str(afile)})
        error_line(proc, str(afile), "PARLIB_PROCESSED_DIR")
    assert afile.read_text() == "precious\n"


def test_read_only_processed_dir_injected(site, monkeypatch, capsys):
    raw, processed, _, _ = site
    monkeypatch.setenv("PARLIB_RAW_DIR", str(raw))
    monkeypatch.setenv("PARLIB_PROCESSED_DIR", str(processed))
    make_stale(processed)
    before = snapshot(processed)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(kwargs.get("dir", processed)))

    monkeypatch.setattr("tempfile.mkdtemp", read_only)
    assert main(["data", "build"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "read-only" in err[0] and str(processed) in err[0], err
    assert snapshot(processed) == before


needs_ns = pytest.mark.skipif(not namespaces(), reason="needs `unshare -Urm` to mount a tmpfs")


@needs_ns
def test_read_only_processed_dir_mounted(site):
    """A real read-only bind mount: loading works, building says so in one line, nothing changes."""
    _, processed, _, environ = site
    before = snapshot(processed)
    py = sys.executable
    script = (
        f'mount --bind "{processed}" "{processed}"; mount -o remount,ro,bind "{processed}"; '
        f'{py} -m parlib.cli panel >/dev/null; echo "panel=$?"; '
        f'{py} -m parlib.cli data build --force || echo "build=$?"'
    )
    proc = in_namespace(script, environ)
    assert "panel=0" in proc.stdout and "build=1" in proc.stdout, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "read-only file system" in lines[0] and str(processed) in lines[0], lines
    assert snapshot(processed) == before


@needs_ns
def test_full_disk_for_processed(site):
    """A tmpfs too small for a second generation: one line, the first generation intact, no temp left."""
    _, processed, _, environ = site
    make_stale(processed)
    size = sum(p.stat().st_size for p in processed.rglob("*") if p.is_file() and not p.is_symlink())
    mount = processed.parent / "small"
    mount.mkdir()
    py = sys.executable
    script = (
        f'mount -t tmpfs -o size={size + 300_000} tmpfs "{mount}"; cp -a "{processed}/." "{mount}/"; '
        f'PARLIB_PROCESSED_DIR="{mount}" {py} -m parlib.cli data build || echo "build=$?"; '
        f"{py} -c \"from parlib import store; g = store.current('{mount}'); g.verify(); "
        f'print(g.path.name)"; '
        f'find "{mount}" -name ".*parlib-tmp*" | wc -l'
    )
    proc = in_namespace(script, environ)
    out = proc.stdout.splitlines()
    assert "build=1" in out and out[-1].strip() == "0", proc.stdout + proc.stderr
    assert store.current(processed).path.name in out, proc.stdout  # the old generation, intact
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no space left" in lines[0], lines


def test_full_disk_by_file_size_limit(site):
    """RLIMIT_FSIZE (no root needed): the write fails, one line, processed unchanged."""
    _, processed, _, environ = site
    make_stale(processed)
    before = snapshot(processed)

    def limit():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    proc = cli("data", "build", environ=environ, preexec=limit)
    error_line(proc, str(processed), "too large")
    assert snapshot(processed) == before


# --------------------------------------------------------------------------- case 6: two builds at once


def _start_build(environ) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "parlib.cli", "data", "build"],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_builds_take_turns(site):
    _, processed, _, environ = site
    make_stale(processed)
    procs = [_start_build(environ) for _ in range(2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert [r[0] for r in results] == [0, 0], results
    store.current(processed).verify()
    assert len([p for p in (processed / store.GENERATIONS).iterdir()]) <= 2


def test_a_build_waits_for_the_lock(site):
    _, processed, _, environ = site
    make_stale(processed)
    with atomic.lock(processed / store.LOCK, "testing"):
        proc = _start_build(environ)
        time.sleep(3)
        assert proc.poll() is None  # waiting, not crashing
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err


# --------------------------------------------------------------------------- case 9: modes


@pytest.mark.parametrize("mask", [0o002])  # not the usual 022: the modes follow it
def test_built_files_respect_the_umask(site, mask):
    _, processed, _, environ = site
    make_stale(processed)
    proc = cli("data", "build", environ=environ, preexec=lambda: os.umask(mask))
    assert proc.returncode == 0, proc.stderr
    gen = store.current(processed)
    for path in [gen.path, *gen.path.iterdir()]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o777 if path.is_dir() else 0o666) & ~mask, (path, oct(mode))
