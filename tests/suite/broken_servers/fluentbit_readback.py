"""The `command` read-back of the Fluent-Bit-like receiver: print the records holding the marker.

Usage: fluentbit_readback.py RECORDS_FILE MARKER. Like `grep -F MARKER RECORDS_FILE`, plus `@id` (the
line number), so two equal records of one request stay two events.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    records, marker = Path(sys.argv[1]), sys.argv[2]
    with records.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if marker in line:
                print(json.dumps({**json.loads(line), "@id": str(number)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
