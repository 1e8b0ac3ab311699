"""Who this process is, to the job queue and to claims in our tables (a new id at every start)."""

from __future__ import annotations

import os
import uuid

PROCESS_ID = f"{os.uname().nodename[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
