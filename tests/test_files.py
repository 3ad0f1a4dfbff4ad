"""base.files.clean_leftovers: what a killed process leaves behind is finished or undone, and
nothing of a live process is touched."""

import os

from helpers.base.files import clean_leftovers, pid_alive, remove_dir, replace_dir, swap_dir


def _folder(path, text):
    path.mkdir(parents=True)
    (path / "a.txt").write_text(text)
    return path


def test_a_swap_cut_between_its_renames_is_undone(tmp_path, dead_pid):
    pid = dead_pid
    assert not pid_alive(pid) and pid_alive(os.getpid())
    _folder(tmp_path / "reports" / f".old-2024-05-{pid}-17", "old edition")
    said = clean_leftovers(tmp_path / "reports")
    assert (tmp_path / "reports" / "2024-05" / "a.txt").read_text() == "old edition"
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["2024-05"]
    assert said == [f"restored reports/2024-05 from reports/.old-2024-05-{pid}-17, left by a stopped swap"]


def test_a_finished_swap_leaves_only_the_new_folder(tmp_path, dead_pid):
    pid = dead_pid
    _folder(tmp_path / "r" / "2024-05", "new")
    _folder(tmp_path / "r" / f".old-2024-05-{pid}-99", "old")
    _folder(tmp_path / "r" / f".tmp-2024-06-{pid}-ab_c9", "half")
    _folder(tmp_path / "r" / f".staging-{pid}-123", "staged")
    said = clean_leftovers(tmp_path / "r")
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["2024-05"]
    assert (tmp_path / "r" / "2024-05" / "a.txt").read_text() == "new"
    assert said == [
        f"removed leftover r/.old-2024-05-{pid}-99 (a replaced copy)",
        f"removed leftover r/.staging-{pid}-123 (a stopped run's staging)",
        f"removed leftover r/.tmp-2024-06-{pid}-ab_c9 (an unfinished folder)",
    ]


def test_a_live_process_and_other_names_are_left_alone(tmp_path):
    live = os.getpid()
    names = [f".staging-{live}-1", f".tmp-2024-05-{live}-x", ".failed", ".ingest", "2024-05", ".staging-x", "notes.txt"]
    for name in names:
        _folder(tmp_path / name, name)
    assert clean_leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    assert clean_leftovers(tmp_path / "absent") == []


def test_the_helpers_name_their_folders_so_that_they_can_be_found(tmp_path, monkeypatch):
    # a replace_dir killed inside fill() leaves a folder clean_leftovers recognises as its own
    seen = []
    replace_dir(tmp_path / "2024-05", lambda tmp: seen.append(tmp.name))
    assert seen[0].startswith(f".tmp-2024-05-{os.getpid()}-")
    _folder(tmp_path / "new", "n")
    monkeypatch.setattr("shutil.rmtree", lambda *a, **k: None)  # as if killed before the old copy went
    swap_dir(tmp_path / "new", tmp_path / "2024-05")
    old = [p.name for p in tmp_path.iterdir() if p.name.startswith(".old-")]
    assert len(old) == 1 and old[0].startswith(f".old-2024-05-{os.getpid()}-")


def test_remove_dir_renames_first_so_a_killed_delete_is_a_leftover(tmp_path, monkeypatch, dead_pid):
    _folder(tmp_path / "days" / "2024-02-03", "day")
    remove_dir(tmp_path / "days" / "2024-02-03")
    assert list((tmp_path / "days").iterdir()) == []
    # killed while deleting: what is left is a .tmp- folder of a stopped process, never a half day
    _folder(tmp_path / "days" / "2024-02-04", "day")
    monkeypatch.setattr("os.getpid", lambda: dead_pid)
    monkeypatch.setattr("shutil.rmtree", lambda *a, **k: None)
    remove_dir(tmp_path / "days" / "2024-02-04")
    [left] = list((tmp_path / "days").iterdir())
    assert left.name.startswith(f".tmp-2024-02-04-{dead_pid}-")
    monkeypatch.undo()
    assert clean_leftovers(tmp_path / "days") == [f"removed leftover days/{left.name} (an unfinished folder)"]
    assert list((tmp_path / "days").iterdir()) == []
