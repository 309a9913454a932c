"""Apply or destroy a stack with the test applier, by hand:

  python -m applier up      --stack e2e --config stack.yaml --state /tmp/e2e.state.json
  python -m applier refresh --stack e2e --config stack.yaml --state /tmp/e2e.state.json
  python -m applier destroy --stack e2e --config stack.yaml --state /tmp/e2e.state.json

`--config` is a YAML mapping of config keys (without the project prefix), or a committed stack
name (`dev`); `--set key=json` overrides single keys.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from applier import Applier, ApplyError, real_providers
from applier.program import REPO, stack_file_config


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m applier", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "refresh", "destroy"])
    parser.add_argument("--replace", action="append", default=[], metavar="NAME",
                        help="replace this resource even if unchanged (pulumi up --replace)")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON")
    args = parser.parse_args(argv)
    if (REPO / f"Pulumi.{args.config}.yaml").exists():
        config = stack_file_config(args.config)
    else:
        config = yaml.safe_load(Path(args.config).read_text())
    for item in args.set:
        key, _, value = item.partition("=")
        config[key] = json.loads(value)
    applier = Applier(config, stack=args.stack, state_path=args.state, providers=real_providers(),
                      log=lambda line: print(line, flush=True))
    try:
        if args.action == "up":
            result = applier.up(replace=args.replace)
        else:
            result = applier.refresh() if args.action == "refresh" else applier.destroy()
    except ApplyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        applier.close()
    print(json.dumps({"changes": result.summary(), "outputs": result.outputs}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
