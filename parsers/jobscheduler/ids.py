"""How the dump names a job: JOB lines, short strings, tracked-job lines, battery names.

Sources: `JobStatus.printUniqueId` / `toShortString` / `toShortStringExceptUniqueId`
(formats.md §3.2, §3.4, §3.5). The key of a job is (calling uid, namespace, job id); job ids
are Java ints (negative ids occur in the 9 and 10 corpus).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from wakescope.parsers.numbers import safe_int
from wakescope.parsers.redact import redact_sync
from wakescope.parsers.redact import redact_text as _redact_text
from wakescope.parsers.uid import parse_uid

UID = r"(?:\d+|u\d+(?:ai|a|s|i)\d+)"
# A name runs to the line's last non-blank character (one blank if it has none): the same
# text as a lazy `(?P<name>.+?)\s*$`, without trying the end at every character.
_NAME_TO_END = r"(?P<name>.*\S|.)\s*$"

# ≤13 `JOB #<uid>/<id>: <hex> <name>`; 14+ `JOB <ns>:<uid>/<id>: <hex> <name>` when namespaced.
JOB_LINE = re.compile(
    rf"^(?P<indent>\s*)JOB (?:#|(?P<ns>[^\s#][^\s]*?):)(?P<uid>{UID})/(?P<id>-?\d+): "
    rf"(?P<hash>[0-9a-f]+) {_NAME_TO_END}"
)
# toShortString: `<hex> [{<ns>} ]#<uid>/<id> <name>`; also accept `ns:uid/id` (toString form).
SHORT = re.compile(
    rf"^(?P<hash>[0-9a-f]+) (?:\{{(?P<ns>[^}}]*)\}} )?(?:#|(?P<ns2>[^\s#{{][^\s]*?):)"
    rf"(?P<uid>{UID})/(?P<id>-?\d+) {_NAME_TO_END}"
)
# Controller lines: `#` + printUniqueId → `#u0a1/2`, 14+ `##u0a1/2` or `#ns:u0a1/2`.
TRACKED = re.compile(
    rf"^#{{1,2}}(?:(?P<ns>[^\s#:][^\s:]*):)?(?P<uid>{UID})/(?P<id>-?\d+) from (?P<src>{UID})"
    r"(?P<rest>.*)$"
)
# 16 `#<traceTag>#` then 14+ `@<namespace>@` prefixes on battery names.
_NAME_PREFIX = re.compile(r"^(?:#(?P<trace>[^#]*)#)?(?:@(?P<ns>[^@]*)@)?(?P<rest>.*)$", re.S)
# A SyncManager battery name: `<provider>/<accountType>/<accountName>:android` (§3.3).
_SYNC_NAME = re.compile(r"^(?P<provider>[^/\s]+)/(?P<type>[^/\s]+)/(?P<account>.+):android$")
REDACTED = "<account>"


@dataclass(frozen=True, slots=True)
class JobRef:
    """A job reference as printed: calling uid, namespace, id, battery name, identity hash."""

    uid: int | None
    namespace: str | None
    job_id: int | None  # None when the printed id is no Java int (corrupt input)
    name: str | None = None
    hash: str | None = None


def ref_from_match(m: re.Match, ns_groups: tuple[str, ...] = ("ns",)) -> JobRef:
    d = m.groupdict()
    ns = next((d[g] for g in ns_groups if d.get(g)), None)
    return JobRef(parse_uid(d["uid"]), ns, safe_int(d["id"]), d.get("name"), d.get("hash"))


def parse_short(text: str) -> JobRef | None:
    m = SHORT.match(text.strip())
    return ref_from_match(m, ("ns", "ns2")) if m else None


@dataclass(frozen=True, slots=True)
class BatteryName:
    """A battery name split into its prefixes and the service/proxy part."""

    trace_tag: str | None
    namespace: str | None
    rest: str
    sync_provider: str | None
    sync_account_type: str | None
    sync_account: str | None


@lru_cache(maxsize=4096)
def split_battery_name(name: str) -> BatteryName:
    """The prefixes and SyncManager parts of a battery name (cached: a job's name is split
    for its row, its scheduler and its history events)."""
    m = _NAME_PREFIX.match(name)
    trace, ns, rest = m.group("trace"), m.group("ns"), m.group("rest")
    s = _SYNC_NAME.match(rest)
    if s:
        return BatteryName(trace, ns, rest, s.group("provider"), s.group("type"),
                           s.group("account"))
    return BatteryName(trace, ns, rest, None, None, None)


@lru_cache(maxsize=4096)
def redact_name(name: str | None) -> str | None:
    """A sync battery name loses its account, any name its e-mail addresses (`parsers.redact`,
    shared with batterystats so job tags and wakelock tags still join). Cached: a name
    recurs on its job, its tag and its history events."""
    return redact_sync(name) if name else name


def redact_text(text: str | None) -> str | None:
    """Redact e-mail addresses anywhere in a free text."""
    return _redact_text(text) if text else text


def service_class(component: str | None) -> tuple[str | None, str | None]:
    """`pkg/.Cls` or `pkg/full.Cls` → (pkg, fully qualified class)."""
    if not component or "/" not in component:
        return None, None
    pkg, cls = component.split("/", 1)
    if cls.startswith("."):
        cls = pkg + cls
    return pkg, cls


# Wakelock tag: `*job*/<name>` (≤13), `…#<jobId>` (14), `*job*[e|u|r]/<name>` (16 with the
# add_type_info_to_wakelock_tag flag: expedited, user-initiated, regular).
_TAG = re.compile(r"^\*job\*(?P<type>[eur]?)/(?P<name>.*?)(?:#(?P<id>-?\d+))?$", re.S)


def split_tag(tag: str) -> tuple[str | None, str, int | None] | None:
    """`*job*e/com.x/.S` → ("e", "com.x/.S", None); `*job*/com.x/.S#12` → (None, "com.x/.S", 12)."""
    m = _TAG.match(tag)
    if not m:
        return None
    return m.group("type") or None, m.group("name"), safe_int(m.group("id"))


def tag_type(tag: str) -> str | None:
    """`split_tag(tag)[0]` without reading the name: the type letter of a `*job*[e|u|r]/`
    tag (any `*job*…/` tag matches `_TAG`, so only its prefix decides)."""
    return tag[5] if tag.startswith(("*job*e/", "*job*u/", "*job*r/")) else None


def redact_tag(tag: str | None) -> str | None:
    """Redact the battery name inside a `*job*…/` wakelock tag."""
    if not tag:
        return tag
    if "@" not in tag and tag.count("/") <= 2 and not tag.endswith("\n"):
        # No e-mail, and a name of one slash at most holds no sync account (`redact_sync`):
        # the tag comes back as it is (most tags: `*job*/<pkg>/<class>`).
        return tag
    m = _TAG.match(tag)
    if not m:
        return redact_text(tag)
    suffix = f"#{m.group('id')}" if m.group("id") else ""
    return f"*job*{m.group('type')}/{redact_name(m.group('name'))}{suffix}"
