"""The raw-data registry: pull from a mirror, verify hashes, refuse a changed file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from parlib import config, fetch
from parlib.cli import main
from parlib.errors import HashMismatchError, MissingRawFileError

NAME = "ml-mcdm/data/csv/2011.csv"


@pytest.fixture
def mini(tmp_path, raw):
    """A two-file registry, a mirror holding those files, and an empty raw dir."""
    registry = fetch.load_registry()
    rows = registry[registry["name"].isin([NAME, "ml-mcdm/data/csv/2012.csv"])]
    mirror = tmp_path / "mirror"
    for row in rows.itertuples():
        dest = fetch.mirror_path(row.url, mirror)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(raw / row.name, dest)
    target = tmp_path / "raw"
    target.mkdir()
    rows.to_csv(target / "registry.csv", index=False)
    return target, mirror


def test_registry_lists_every_raw_file(raw):
    reg = fetch.load_registry()
    assert reg["name"].is_unique
    upstream = reg[reg["url"] != ""]
    assert upstream["url"].str.match(r"https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/").all()
    assert (reg["licence"] != "").all() and (reg["description"] != "").all()
    assert set(reg.loc[reg["url"] == "", "name"]) == {
        p.relative_to(raw).as_posix() for p in (raw / "published").rglob("*.csv")
    }
    status = fetch.status()
    assert (status["state"] == "ok").all(), status[status["state"] != "ok"]


def test_mirror_layout_matches_shared_mirror():
    mirror = config.data_mirror()
    if mirror is None:
        pytest.skip("PARLIB_DATA_MIRROR not set")
    reg = fetch.load_registry()
    for url in reg.loc[reg["url"] != "", "url"]:
        assert fetch.mirror_path(url, mirror).is_file(), url


def test_pull_from_mirror_then_idempotent(mini):
    raw, mirror = mini
    report = fetch.pull(raw=raw, mirror=mirror, registry=raw / "registry.csv", progress=False)
    assert sorted(report.fetched) == ["ml-mcdm/data/csv/2011.csv", "ml-mcdm/data/csv/2012.csv"]
    again = fetch.pull(raw=raw, mirror=mirror, registry=raw / "registry.csv", progress=False)
    assert again.fetched == [] and len(again.present) == 2


def test_pull_refuses_a_mirror_file_with_another_hash(mini):
    raw, mirror = mini
    reg = pd.read_csv(raw / "registry.csv", dtype=str)
    src = fetch.mirror_path(reg.loc[reg["name"] == NAME, "url"].iloc[0], mirror)
    src.write_text(src.read_text() + "\n")
    with pytest.raises(HashMismatchError, match=r"ml-mcdm/data/csv/2011\.csv: sha256 .* does not match"):
        fetch.pull([NAME], raw=raw, mirror=mirror, registry=raw / "registry.csv", progress=False)
    assert not (raw / NAME).exists()
    assert list((raw / NAME).parent.glob("*.part")) == []


def test_pull_refuses_a_changed_local_file(mini):
    raw, mirror = mini
    fetch.pull(raw=raw, mirror=mirror, registry=raw / "registry.csv", progress=False)
    local = raw / NAME
    local.write_text("edited\n")
    with pytest.raises(HashMismatchError, match="raw files are immutable"):
        fetch.pull(raw=raw, mirror=mirror, registry=raw / "registry.csv", progress=False)
    assert local.read_text() == "edited\n"  # nothing written in its place


def test_pull_reports_a_file_missing_from_the_mirror(mini, tmp_path):
    raw, _ = mini
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingRawFileError, match="not in the mirror"):
        fetch.pull(raw=raw, mirror=tmp_path / "empty", registry=raw / "registry.csv", progress=False)


def test_a_mirror_that_is_not_a_folder_is_named(mini, tmp_path, capsys, monkeypatch):
    raw, _ = mini
    monkeypatch.setenv("PARLIB_RAW_DIR", str(raw))
    monkeypatch.setenv("PARLIB_DATA_MIRROR", str(tmp_path / "nowhere"))
    assert main(["data", "pull", "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "nowhere" in err and "PARLIB_DATA_MIRROR" in err


def test_a_failed_download_names_the_mirror_variable(mini, monkeypatch):
    raw, _ = mini
    monkeypatch.delenv("PARLIB_DATA_MIRROR", raising=False)

    def offline(*args, **kwargs):
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr("pooch.retrieve", offline)
    with pytest.raises(MissingRawFileError, match=r"download from .* failed .*set PARLIB_DATA_MIRROR"):
        fetch.pull(raw=raw, registry=raw / "registry.csv", progress=False)


def test_cli_pull_hash_mismatch_exits_nonzero(mini, monkeypatch, capsys):
    raw, mirror = mini
    (raw / NAME).parent.mkdir(parents=True)
    (raw / NAME).write_text("not the file\n")
    monkeypatch.setenv("PARLIB_RAW_DIR", str(raw))
    assert main(["data", "pull", "--mirror", str(mirror), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2011.csv" in err[0] and "sha256" in err[0]


def test_add_registers_a_new_file(tmp_path, mini):
    raw, _ = mini
    new = raw / "extra" / "table.csv"
    new.parent.mkdir()
    new.write_text("a,b\n1,2\n")
    name = fetch.add(
        new,
        "https://example.org/table.csv",
        "example",
        "CC0-1.0",
        "a test table",
        registry=raw / "registry.csv",
    )
    assert name == "extra/table.csv"
    reg = fetch.load_registry(raw / "registry.csv")
    assert reg.set_index("name").loc[name, "sha256"] == fetch.sha256(Path(new))
