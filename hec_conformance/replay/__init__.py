"""Record and replay: the capture format, importers, the recording proxy, the replayer.

Commands: `hecc record`, `hecc replay`, `hecc capture import|curl|to-cases` (docs/captures.md,
docs/replay.md).
"""

from hec_conformance.replay.capture import CaptureError, Exchange, Response, read_capture, write_capture
from hec_conformance.replay.importers import import_file
from hec_conformance.replay.options import Options
from hec_conformance.replay.requests import make_side
from hec_conformance.replay.runner import Replayer
from hec_conformance.replay.schedule import Schedule

__all__ = [
    "CaptureError",
    "Exchange",
    "Options",
    "Replayer",
    "Response",
    "Schedule",
    "import_file",
    "make_side",
    "read_capture",
    "write_capture",
]
