import subprocess
import sys
import textwrap

from helpers import REPO

from mnist_vae.pipeline.logs import interruption


def run_under_rule_logging(tmp_path, body):
    """Run `body` inside rule_logging in a fresh interpreter, as a workflow script runs.
    -> the finished process"""
    script = tmp_path / "script.py"
    script.write_text(
        "from mnist_vae.pipeline.logs import rule_logging\n"
        f"with rule_logging({str(tmp_path / 'rule.log')!r}):\n" + textwrap.indent(body, "    ")
    )
    env = {"PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [sys.executable, script], capture_output=True, text=True, env=env, check=False
    )


def test_an_error_raised_while_cleaning_up_after_an_interrupt_is_the_interrupt():
    try:
        try:
            raise KeyboardInterrupt("SIGTERM")
        except KeyboardInterrupt:
            raise RuntimeError("unexpected pos") from None
    except RuntimeError as error:
        assert str(interruption(error)) == "SIGTERM"


def test_an_error_with_no_interrupt_behind_it_is_no_interruption():
    assert interruption(RuntimeError("unexpected pos")) is None


def test_ctrl_c_during_a_write_that_fails_on_it_ends_in_one_line(tmp_path):
    # torch.save, interrupted mid-file, raises a RuntimeError while closing the file.
    finished = run_under_rule_logging(
        tmp_path,
        "try:\n"
        "    raise KeyboardInterrupt\n"
        "finally:\n"
        "    raise RuntimeError('[enforce fail at inline_container.cc:672] unexpected pos')\n",
    )
    assert finished.returncode == 1
    assert finished.stderr == "error: interrupted (SIGINT)\n"
    assert "Traceback" not in (tmp_path / "rule.log").read_text()
