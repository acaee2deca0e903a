"""The README's examples are the example files, and the Python one runs."""
import re
import subprocess
import sys

import pytest

import wzp


def test_readme_example_runs(repo_root):
    script = repo_root / "examples" / "python" / "readme_example.py"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                            cwd=repo_root / "tests")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "room 'general' -> " + wzp.hash_room_name("general")
    assert lines[0] == "room 'general' -> a47b63f7d5b511ba5bc4089a74446906"
    assert re.fullmatch(r"relay sees caller [0-9a-f]{4}(:[0-9a-f]{4}){7}", lines[1]), lines[1]
    assert len(lines) == 2


def fenced_blocks(readme: str, language: str):
    return re.findall(r"^```" + language + r"[ \t]*\n(.*?)^```[ \t]*$", readme, re.S | re.M)


@pytest.mark.parametrize("language,example", [("c", "examples/c/readme.c"),
                                              ("python", "examples/python/readme_example.py"),
                                              ("python", "examples/python/relay_call.py"),
                                              ("python", "examples/python/async_call.py")])
def test_readme_blocks_are_the_example_files(repo_root, language, example):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    assert (repo_root / example).read_text(encoding="utf-8") in fenced_blocks(readme, language), \
        f"README.md must show {example} verbatim in a ```{language} block"
