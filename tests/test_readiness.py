"""The readiness check, run for real in sh against stand-ins for sinfo, srun, scontrol and the clock."""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path

from model.config import SecretState, parse_cluster
from render.readiness import covering_partitions, readiness_script
from tests.test_config import SEED


def cluster_of(raw):
    return parse_cluster(raw, project="multihost-slurm", stack="test", ssh_key=SecretState(True, True))


def fake_bin(tmp_path: Path, sinfo: str, srun: str) -> dict[str, str]:
    tools = {
        "sinfo": f"#!/bin/sh\nprintf '%s\\n' {sinfo}\n",
        "srun": f"#!/bin/sh\necho \"$@\" >> {tmp_path}/srun.calls\nprintf '%s\\n' {srun}\n",
        "scontrol": "#!/bin/sh\ngrep -qx \"$3 .*\" <<EOF || { echo \"Node $3 not found\" >&2; exit 1; }\n"
                    f"$(printf '%s\\n' {sinfo})\nEOF\necho '   Reason=Not responding [slurm@now]'\n",
        "sleep": "#!/bin/sh\nexit 0\n",
        # a clock that moves 30 s on every call, so timeouts pass at once
        "date": f"#!/bin/sh\nn=$(cat {tmp_path}/clock 2>/dev/null || echo 1000)\n"
                f"echo $((n + 30)) > {tmp_path}/clock\necho $n\n",
        "timeout": "#!/bin/sh\nshift\nexec \"$@\"\n",
    }
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name, text in tools.items():
        (bindir / name).write_text(text)
        (bindir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}


def run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-s"], input=script, env=env, capture_output=True, text=True, timeout=30, check=False)


NO_SERVICES = dict(SEED, accounting=False, restApi=False, mpi=False)


def test_ready_when_all_idle_and_srun_answers(tmp_path: Path) -> None:
    env = fake_bin(tmp_path, "'fd20_0 idle' 'fd20_1 idle' 'fd20_2 idle' 'fd20_0 idle'", "fd20_1 fd20_0 fd20_2")
    result = run(readiness_script(cluster_of(NO_SERVICES)), env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ready: 3 node(s) idle; srun answered from fd20_0 fd20_1 fd20_2"
    assert (tmp_path / "srun.calls").read_text().split() == ["--immediate=60", "-p", "all", "-N3", "hostname"]


def test_fails_in_bounded_time_naming_missing_nodes(tmp_path: Path) -> None:
    env = fake_bin(tmp_path, "'fd20_0 idle' 'fd20_2 down*'", "fd20_0")
    result = run(readiness_script(cluster_of(NO_SERVICES)), env)
    assert result.returncode == 1
    expected = "after 300 s these nodes are not idle: fd20_1(never registered) fd20_2(down*: Not responding"
    assert expected in result.stderr
    assert "exited after its host restarted: pulumi up --replace that container" in result.stderr
    assert not (tmp_path / "srun.calls").exists()


def test_srun_that_fails_to_launch_runs_again_until_the_deadline(tmp_path: Path) -> None:
    """A node that looks idle from slurmctld's saved state before its slurmd registered again."""
    env = fake_bin(tmp_path, "'fd20_0 idle' 'fd20_1 idle' 'fd20_2 idle'", "fd20_1 fd20_0 fd20_2")
    srun = tmp_path / "bin" / "srun"
    srun.write_text(f"#!/bin/sh\n[ -e {tmp_path}/launched ] || {{ touch {tmp_path}/launched; "
                    "echo 'srun: error: Task launch for StepId=33.0 failed on node fd20_2' >&2; exit 1; }\n"
                    "printf '%s\\n' fd20_1 fd20_0 fd20_2\n")
    result = run(readiness_script(cluster_of(NO_SERVICES)), env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ready: 3 node(s) idle; srun answered from fd20_0 fd20_1 fd20_2"
    srun.write_text("#!/bin/sh\necho 'srun: error: Task launch failed on node fd20_2' >&2; exit 1\n")
    result = run(readiness_script(cluster_of(NO_SERVICES)), env)
    assert result.returncode == 1
    assert "srun -p all -N3 hostname failed: srun: error: Task launch failed on node fd20_2" in result.stderr


def test_fails_when_srun_misses_a_node(tmp_path: Path) -> None:
    env = fake_bin(tmp_path, "'fd20_0 idle' 'fd20_1 idle' 'fd20_2 idle'", "fd20_0 fd20_1")
    result = run(readiness_script(cluster_of(NO_SERVICES)), env)
    assert result.returncode == 1
    assert "srun got no answer from fd20_2" in result.stderr


def test_covering_partitions_without_a_whole_cluster_partition() -> None:
    raw = copy.deepcopy(NO_SERVICES)
    raw["partitions"] = [{"name": "even", "nodes": "even"}, {"name": "odd", "nodes": "odd"}]
    cluster = cluster_of(raw)
    assert [p.name for p in covering_partitions(cluster)] == ["even", "odd"]
    script = readiness_script(cluster)
    assert "\nPARTITIONS='even:2 odd:1'\n" in script


def test_services_are_checked_after_the_nodes(tmp_path: Path) -> None:
    """Accounting registered, the REST API answering a token, an MPI hello across the nodes."""
    env = fake_bin(tmp_path, "'fd20_0 idle' 'fd20_1 idle' 'fd20_2 idle'", "fd20_1 fd20_0 fd20_2")
    extra = {
        "sacctmgr": "#!/bin/sh\necho fd20\n",
        "curl": f"#!/bin/sh\necho \"$@\" > {tmp_path}/curl.args\necho 200\n",
        "srun": f"#!/bin/sh\necho \"$@\" >> {tmp_path}/srun.calls\n"
                "case \"$*\" in *--mpi=pmix*) echo 'ring ok; MPI OK' ;;\n"
                "  *) echo fd20_0 fd20_1 fd20_2 ;; esac\n",
        "scontrol": "#!/bin/sh\necho SLURM_JWT=token123\n",
    }
    for name, text in extra.items():
        (tmp_path / "bin" / name).write_text(text)
        (tmp_path / "bin" / name).chmod(0o755)
    result = run(readiness_script(cluster_of(SEED)), env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("ready: 3 node(s) idle; srun answered from fd20_0 fd20_1 fd20_2; "
                                     "accounting: cluster fd20 registered; REST API answers; MPI across 3 node(s)")
    assert "X-SLURM-USER-TOKEN: token123" in (tmp_path / "curl.args").read_text()
    assert "--mpi=pmix -p all -N3 mpi-hello" in (tmp_path / "srun.calls").read_text()


CRASHED_IN_MPI_INIT = (
    "[fd20_2:95] Caught signal 11 (Segmentation fault: address not mapped to object at address 0xe0)\n"
    " 4  libmpi.so.40(mca_pml_ob1_recv_frag_callback_match+0xaa)\n"
    "11  libmpi.so.40(MPI_Init+0x6f)\n"
    "srun: error: fd20_2: task 2: Segmentation fault")


def mpi_runs(tmp_path: Path, *answers: str) -> dict[str, str]:
    """Stand-ins where the n-th `srun --mpi=pmix` prints answers[n] (exit 14 unless it says MPI OK)."""
    env = fake_bin(tmp_path, "'fd20_0 idle' 'fd20_1 idle' 'fd20_2 idle'", "fd20_1 fd20_0 fd20_2")
    for n, answer in enumerate(answers):
        (tmp_path / f"mpi.{n}").write_text(answer + "\n")
    (tmp_path / "bin" / "srun").write_text(
        f"#!/bin/sh\necho \"$@\" >> {tmp_path}/srun.calls\n"
        "case \"$*\" in *--mpi=pmix*) ;; *) echo fd20_0 fd20_1 fd20_2; exit 0 ;; esac\n"
        f"n=$(grep -c mpi=pmix {tmp_path}/srun.calls)\ncat {tmp_path}/mpi.$((n - 1))\n"
        f"grep -q 'MPI OK' {tmp_path}/mpi.$((n - 1)) || exit 14\n")
    return env


def test_an_mpi_init_crash_gets_one_second_run(tmp_path: Path) -> None:
    env = mpi_runs(tmp_path, CRASHED_IN_MPI_INIT, "ring ok; MPI OK")
    result = run(readiness_script(cluster_of(NO_SERVICES | {"mpi": True})), env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("MPI across 3 node(s) (second run: the first crashed in MPI_Init)")
    assert "crashed inside MPI_Init" in result.stderr


def test_any_other_mpi_failure_fails_at_once(tmp_path: Path) -> None:
    env = mpi_runs(tmp_path, "srun: error: Unable to create step: PMIx plugin not found")
    result = run(readiness_script(cluster_of(NO_SERVICES | {"mpi": True})), env)
    assert result.returncode == 1
    assert "MPI: srun --mpi=pmix -N3 mpi-hello failed: srun: error: Unable to create step" in result.stderr
    assert (tmp_path / "srun.calls").read_text().count("mpi=pmix") == 1


def test_a_second_mpi_init_crash_fails(tmp_path: Path) -> None:
    env = mpi_runs(tmp_path, CRASHED_IN_MPI_INIT, CRASHED_IN_MPI_INIT)
    result = run(readiness_script(cluster_of(NO_SERVICES | {"mpi": True})), env)
    assert result.returncode == 1
    assert "MPI: srun --mpi=pmix -N3 mpi-hello failed twice" in result.stderr


def test_unregistered_accounting_fails_in_bounded_time(tmp_path: Path) -> None:
    env = fake_bin(tmp_path, "'fd20_0 idle' 'fd20_1 idle' 'fd20_2 idle'", "fd20_1 fd20_0 fd20_2")
    (tmp_path / "bin" / "sacctmgr").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "bin" / "sacctmgr").chmod(0o755)
    result = run(readiness_script(cluster_of(dict(SEED, restApi=False, mpi=False))), env)
    assert result.returncode == 1
    assert "accounting: cluster fd20 is not registered in slurmdbd; see 'docker logs slurmdbd'" in result.stderr
