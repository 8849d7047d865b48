"""Many inputs: find them (`inputs`), process each in a worker (`worker`), store a status
per input (`records`), run locally or on Dask (`run`, `dask_backend`), and aggregate the
fleet's tables (`fleet`). The public names are re-exported here.

    >>> from wakescope.analyzer.batch import run_batch
    >>> result = run_batch(["dumps/"], Path("out"))
"""

from wakescope.analyzer.batch.inputs import (
    BatchUsageError,
    InputItem,
    capture_id_for,
    expand_inputs,
    output_name,
    rules_digest,
    safe_name,
)
from wakescope.analyzer.batch.records import (
    DONE_STATUSES,
    STATUSES,
    is_current,
    load_records,
    read_record,
    remove_capture,
    status_path,
    write_record,
)
from wakescope.analyzer.batch.run import BatchResult, run_batch
from wakescope.analyzer.batch.worker import (
    base_record,
    crashed_record,
    default_jobs,
    process_one,
    write_capture_tables,
)

__all__ = [
    "DONE_STATUSES", "STATUSES", "BatchResult", "BatchUsageError", "InputItem", "base_record",
    "capture_id_for", "crashed_record", "default_jobs", "expand_inputs", "is_current",
    "load_records", "output_name", "process_one", "read_record", "remove_capture",
    "rules_digest", "run_batch", "safe_name", "status_path", "write_capture_tables",
    "write_record",
]
