"""wzp.Relay(identity_file=...): created only when absent; every other failure is a
clear error and the file a relay's clients pin is never replaced."""
import errno
import os
import stat
import subprocess
import sys

import pytest

import wzp

SEED = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"


def refused(path) -> wzp.WzpError:
    with pytest.raises(wzp.WzpError) as info:
        wzp.Relay(identity_file=str(path))
    assert str(path) in info.value.message
    return info.value


def test_created_once_owner_only_and_stable(tmp_path):
    path = tmp_path / "relay.seed"
    first = wzp.Relay(identity_file=str(path)).fingerprint
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()
    assert len(content.strip()) == 64
    assert wzp.Relay(identity_file=str(path)).fingerprint == first
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["relay.seed"]


def test_a_directory_is_an_io_error(tmp_path):
    path = tmp_path / "relay.seed"
    path.mkdir()
    error = refused(path)
    assert error.name == "WZP_ERR_IO" and os.strerror(errno.EISDIR) in error.message
    assert path.is_dir() and not any(path.iterdir())


def test_a_path_under_a_plain_file_is_an_io_error(tmp_path):
    (tmp_path / "plain").write_text("x")
    error = refused(tmp_path / "plain" / "relay.seed")
    assert error.name == "WZP_ERR_IO" and os.strerror(errno.ENOTDIR) in error.message
    assert (tmp_path / "plain").read_text() == "x"


@pytest.mark.parametrize("content, name", [(b"not a seed\n", "WZP_ERR_INVALID_HEX"),
                                           (b"", "WZP_ERR_INVALID_LENGTH"),
                                           (SEED[:40].encode(), "WZP_ERR_INVALID_LENGTH")])
def test_malformed_content_is_refused_and_kept_byte_identical(tmp_path, content, name):
    path = tmp_path / "relay.seed"
    path.write_bytes(content)
    assert refused(path).name == name
    assert path.read_bytes() == content


def test_concurrent_processes_creating_the_file_share_one_identity(tmp_path):
    path = tmp_path / "relay.seed"
    code = "import sys, wzp; print(wzp.Relay(identity_file=sys.argv[1]).fingerprint)"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
             for _ in range(6)]
    fingerprints = {p.communicate(timeout=30)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(fingerprints) == 1 and len(fingerprints.pop()) == 39
    assert sorted(p.name for p in tmp_path.iterdir()) == ["relay.seed"]


def test_on_a_full_disk_creation_fails_and_an_existing_file_still_loads(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(mnt)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        (mnt / "existing.seed").write_text(SEED)
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            with pytest.raises(OSError) as full:
                for _ in range(64):
                    os.write(fd, b"f" * 512)
        finally:
            os.close(fd)
        assert full.value.errno == errno.ENOSPC
        error = refused(mnt / "relay.seed")
        assert error.name == "WZP_ERR_IO" and os.strerror(errno.ENOSPC) in error.message
        assert sorted(p.name for p in mnt.iterdir()) == ["existing.seed", "filler"]
        wzp.Relay(identity_file=str(mnt / "existing.seed"))
        assert (mnt / "existing.seed").read_text() == SEED
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
