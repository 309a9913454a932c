"""A deadline that the host itself enforces on a script run over SSH.

pulumi-command does not stop a remote command that runs too long: its custom timeouts limit only
the dial, and `session.Run` waits for the command however long it takes (pulumi-command v1.2.1
provider/pkg/provider/remote/commandOutputs.go:95). A script that hangs (an engine that never
answers, a `docker exec` stuck in runc) would hold `pulumi up` for ever. So every remote script
starts a watchdog: past the deadline it says so on stderr and stops the script's whole process
group (sshd makes the script's shell a process group leader), and the command fails; a script that
ends in time stops its watchdog on exit.
"""

from __future__ import annotations


def with_deadline(script: str, seconds: int, where: str) -> str:
    """`script`, stopped after `seconds` on the host; `where` names the host in the message."""
    return f"""\
# deadline: {where} stops this script after {seconds} s (pulumi-command itself would wait for ever)
( i=0; while [ "$i" -lt {seconds} ]; do sleep 1 >/dev/null 2>&1; i=$((i + 1)); done
  echo "{where}: still running after {seconds} s, the script's deadline: stopped" >&2; kill -TERM 0 ) </dev/null &
deadline_watchdog=$!
trap 'kill "$deadline_watchdog" 2>/dev/null' EXIT
{script}"""
