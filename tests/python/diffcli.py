"""Shows what one endpoint answers to differential cases: a tool for engine developers.

    python tests/python/diffcli.py [--endpoint URL] [CASE_ID_SUBSTRING ...]

Runs each matching case's setup and request against the endpoint (default: DynamoDB Local
on http://127.0.0.1:8001) and prints the normalised view the comparator uses. Tables are
created with a fresh run prefix and deleted afterwards.
"""

from __future__ import annotations

import argparse
import sys

import test_differential as td
from differ import pretty, view


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", default="http://127.0.0.1:8001")
    ap.add_argument("ids", nargs="*")
    args = ap.parse_args()
    td._create_session_tables(args.endpoint, args.endpoint)
    try:
        for idx, case in enumerate(td.CASES):
            if args.ids and not any(i in case["id"] for i in args.ids):
                continue
            resp, err = td._run(args.endpoint, case, idx)
            print(f"=== {case['id']} ({case['op']})" + (f"  [divergence: {case['expect_divergence']}]" if case.get("expect_divergence") else ""))
            print(err if err else pretty(view(resp, case["op"]))[:2500])
            td._cleanup(args.endpoint, case, idx)
    finally:
        td._delete_tables(args.endpoint, [td.RUN + b["TableName"] for b in td.TABLES.values()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
