"""`python -m trading.contexts.identity.hash_token`: read a token on stdin, print its config hash.

Reading stdin keeps the token out of shell history and process listings.
"""

from __future__ import annotations

import sys

from trading.contexts.identity.domain.token_hash import hash_token


def main() -> int:
    token = sys.stdin.readline().strip()
    if not token:
        print("usage: echo <token> | python -m trading.contexts.identity.hash_token", file=sys.stderr)
        return 2
    print(hash_token(token))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
