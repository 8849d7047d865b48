"""`dumpsys jobscheduler` parser, Android 7–16 and OEM builds → the tables in `schema.py`.

The dump is split into top-level blocks by the shape of their headers (`layout.py`); each
block has a small reader (jobs, history, queues, quota, settings, stats, controllers). The
readers are per-line Python: a jobscheduler section is at most a few thousand lines (8.1
corpus: 3,590), and the history buffer holds 100 events. Cross-links come last: pending /
running flags from the queues, 7.x tracking from the controller blocks, history and quota
packages from the registered jobs, and stop reasons of recently completed jobs from history.
"""

from __future__ import annotations

from wakescope.parsers.jobscheduler.block_input import BlockInput
from wakescope.parsers.jobscheduler.controllers import parse_controller
from wakescope.parsers.jobscheduler.history import component_package, parse_history
from wakescope.parsers.jobscheduler.jobs import parse_registered
from wakescope.parsers.jobscheduler.layout import Block, split_blocks
from wakescope.parsers.jobscheduler.queues import parse_active, parse_pending, parse_recent
from wakescope.parsers.jobscheduler.quota import parse_quota_controller
from wakescope.parsers.jobscheduler.schema import (
    ACTIVE,
    COMPLETED,
    HISTORY,
    JOBS,
    PACKAGE_STATS,
    PENDING,
    QUOTA,
    SETTINGS,
    TABLES,
)
from wakescope.parsers.jobscheduler.settings import (
    parse_heartbeat,
    parse_kv_block,
    parse_settings,
    state_row,
)
from wakescope.parsers.jobscheduler.stats import parse_stats
from wakescope.parsers.jobscheduler.stop_reasons import classify
from wakescope.parsers.jobscheduler.times import Timebase, find_now
from wakescope.parsers.section_input import SectionInput

__all__ = ["TABLES", "parse"]


def parse(inp: SectionInput) -> dict:
    """Parse one jobscheduler section into its tables (never raises on content)."""
    lines = inp.lines
    section, first = inp.name, inp.first_line
    diag = inp.diagnostics

    def unknown(i: int) -> None:
        diag.unknown_line(section, lines[i], first + i)

    sdk = getattr(inp.meta, "sdk", None)
    src = BlockInput(lines, first, Timebase(inp.clock, find_now(inp.meta, lines)), sdk,
                     inp.redact, unknown)
    blocks = split_blocks(lines)

    out: dict[str, list[dict]] = {k: [] for k in ("jobs", "history", "pending", "active",
                                                   "completed", "quota", "settings", "stats")}
    registered: list[int] = []
    job_blocks = 0

    # Pass 1: constants (the quota reader needs them) and registered jobs (history names).
    for b in blocks:
        if b.kind == "settings":
            out["settings"] += parse_settings(src, b.start, b.end)
        elif b.kind == "heartbeat":
            out["settings"] += parse_heartbeat(src, b.start, b.end)
        elif b.kind == "registered":
            count, rows, _ = parse_registered(src, b.start, b.end)
            if count is not None:
                registered.append(count)
                out["settings"].append({"group": "state", "key": "Registered jobs",
                                        "value": str(count), "line": first + b.start})
            out["jobs"] += rows
            job_blocks += len(rows)
    src.constants = {r["key"]: r["value"] for r in out["settings"]}
    src.known_names = {r["_name"] for r in out["jobs"] if r.get("_name")}

    # Pass 2: everything else.
    for b in blocks:
        _read_block(b, src, out)

    _link(out, src.tracked, sdk)
    state_keys = {r["key"] for r in out["settings"] if r["group"] == "state"}
    _diagnose(inp, state_keys, registered, job_blocks)
    diag.seen(section, len(lines))

    return {
        JOBS.name: JOBS.from_rows(out["jobs"]),
        HISTORY.name: HISTORY.from_rows(out["history"]),
        PENDING.name: PENDING.from_rows(out["pending"]),
        ACTIVE.name: ACTIVE.from_rows(out["active"]),
        COMPLETED.name: COMPLETED.from_rows(out["completed"]),
        QUOTA.name: QUOTA.from_rows(out["quota"]),
        SETTINGS.name: SETTINGS.from_rows(out["settings"]),
        PACKAGE_STATS.name: PACKAGE_STATS.from_rows(out["stats"]),
    }


def _read_block(b: Block, src: BlockInput, out: dict[str, list[dict]]) -> None:
    """Pass 2: the block's rows into `out` by its kind (pass 1 read settings and jobs)."""
    kind, lines = b.kind, src.lines
    if kind in ("settings", "heartbeat", "registered"):
        return
    if kind == "history":
        out["history"] += parse_history(src, b.start + 1, b.end)
    elif kind == "pending":
        out["pending"] += parse_pending(src, b.start + 1, b.end)
    elif kind in ("active", "idle"):
        out["active"] += parse_active(src, b.start + 1, b.end)
    elif kind in ("completed", "cancelled"):
        status = "completed" if kind == "completed" else "cancelled"
        out["completed"] += parse_recent(src, b.start + 1, b.end, status)
    elif kind == "stats":
        out["stats"] += parse_stats(src, b.start, b.end)
    elif kind == "controller":
        if b.name == "QuotaController":
            quota, state = parse_quota_controller(src, b.start, b.end, b.name)
            out["quota"] += quota
            out["settings"] += state
        else:
            out["settings"] += parse_controller(src, b.start, b.end, b.name)
    elif kind in ("kv", "oem"):
        out["settings"] += parse_kv_block(src, b.start, b.end, b.name)
    elif kind == "state":
        row = state_row(lines[b.start].strip(), src.first_line + b.start)
        if row is None:
            src.unknown(b.start)
        else:
            out["settings"].append(row)
        for i in range(b.start + 1, b.end):
            if lines[i].strip():
                src.unknown(i)
    else:
        for i in range(b.start, b.end):
            if lines[i].strip():
                src.unknown(i)


def _link(out: dict[str, list[dict]], tracked: dict[tuple, set[str]], sdk: int | None) -> None:
    """Cross-links, once every block is read: tracking, queue flags, history and quota
    packages, stop reasons of recently completed jobs."""
    jobs = out["jobs"]
    by_key = {(j["uid"], j["namespace"], j["job_id"]): j for j in jobs}
    _link_tracking(jobs, by_key, tracked)
    _link_queues(out, by_key)
    _link_history(out["history"], jobs)
    _link_quota(out["quota"], by_key)
    _link_completed(out["completed"], out["history"], sdk)


def _link_tracking(jobs: list[dict], by_key: dict, tracked: dict[tuple, set[str]]) -> None:
    """7.x print no `Tracking:` line: take the controllers that list the job."""
    if jobs and not any(j.get("tracking") for j in jobs) and tracked:
        for key, job in by_key.items():
            names = tracked.get(key) or tracked.get((key[0], None, key[2]))
            if names:
                job["tracking"] = sorted(names)


def _link_queues(out: dict[str, list[dict]], by_key: dict) -> None:
    """Pending and running flags (and the evaluated bias) from the queues."""
    for row in out["pending"]:
        job = by_key.get((row.get("uid"), row.get("namespace"), row.get("job_id")))
        if job is not None:
            job["pending"] = True
            if row.get("evaluated_bias") is not None:
                job["evaluated_bias"] = row["evaluated_bias"]
    for row in out["active"]:
        if row.get("job_id") is None:
            continue
        job = by_key.get((row.get("uid"), row.get("namespace"), row.get("job_id")))
        if job is not None:
            job["running"] = True
            if row.get("evaluated_bias") is not None:
                job["evaluated_bias"] = row["evaluated_bias"]


def _link_history(history: list[dict], jobs: list[dict]) -> None:
    """History rows' package: the uid is the source uid; the package is the registered
    job's source package."""
    by_name = {}
    by_source = {}
    for j in jobs:
        raw = _raw_name(j)
        by_name[(j["job_id"], raw)] = j
        by_source[(j["source_uid"], j["job_id"])] = j
    by_uid_name = {(j["source_uid"], _raw_name(j)): j for j in jobs}
    # SyncManager gives every sync a fresh job id, so its history lines match no registered
    # job by id; their uid (the source uid) still names the app when one package owns it.
    uid_packages: dict[int, set[str]] = {}
    for j in jobs:
        if j.get("source_uid") is not None and j.get("source_package"):
            uid_packages.setdefault(j["source_uid"], set()).add(j["source_package"])
    for row in history:
        name = row.get("_name")
        job = (by_name.get((row["job_id"], name)) or by_source.get((row["uid"], row["job_id"]))
               if row["job_id"] is not None else by_uid_name.get((row["uid"], name)))
        if job is not None and job.get("source_package"):
            row["package"] = job["source_package"]
        elif row.get("package") is None and name:
            row["package"] = component_package(name)
        if row.get("package") is None and len(uid_packages.get(row.get("uid"), ())) == 1:
            row["package"] = next(iter(uid_packages[row["uid"]]))


def _link_quota(quota: list[dict], by_key: dict) -> None:
    """Per-job quota rows name the registered job's source package and user."""
    for row in quota:
        if row.get("source") != "job":
            continue
        job = by_key.get((row.get("_calling"), row.get("namespace"), row.get("job_id")))
        if job is not None:
            row["package"] = job.get("source_package")
            row["user_id"] = job.get("source_user_id", row.get("user_id"))


def _link_completed(completed: list[dict], history: list[dict], sdk: int | None) -> None:
    """Recently completed/cancelled: the reason is the closest matching STOP in history."""
    stops = [h for h in history if h["event"] == "STOP" and h.get("offset_ms") is not None]
    for row in completed:
        ended = row.get("ended_ms")
        if ended is None:
            continue
        best = None
        for h in stops:
            if row.get("job_id") is not None and h["job_id"] != row["job_id"]:
                continue
            if row.get("_name") and h.get("_name") and h["_name"] != row["_name"]:
                continue
            gap = abs(h["offset_ms"] - ended)
            if gap <= 1000 and (best is None or gap < best[0]):
                best = (gap, h)
        if best is not None:
            row["stop_reason"] = best[1].get("stop_reason")
            row["stop_reason_code"] = classify(best[1].get("stop_reason"), sdk)[0]


def _diagnose(inp: SectionInput, state_keys: set[str], registered: list[int],
              job_blocks: int) -> None:
    diag, section = inp.diagnostics, inp.name
    if not registered:
        return
    count = registered[-1]
    if count > 0 and job_blocks == 0:
        why = "OEM build hides job details"
        if "PersistStats" in state_keys and "mReadyToRock" not in state_keys:
            # JobSchedulerService prints mReadyToRock only for an unfiltered dump, and a
            # package-filtered dump prints only that package's jobs (16: `None.` if it has none).
            why += ", or the dump was filtered to one package: `mReadyToRock=` is missing"
        diag.warning("job_list_withheld", section,
                     f"Registered {count} jobs but the dump lists none ({why})")
    elif job_blocks < count:
        diag.warning("job_list_incomplete", section,
                     f"Registered {count} jobs but only {job_blocks} job blocks are "
                     "printed (input truncated or filtered)")
    elif job_blocks > count:
        diag.info("job_list_extra", section,
                  f"Registered {count} jobs but {job_blocks} job blocks are printed")


def _raw_name(job: dict) -> str | None:
    return job.get("_name")

