"""Controller blocks (formats.md §3.4): which jobs each controller tracks, and state lines.

7–8 print a heading that carries state (`Connectivity: connected=true validated=true`,
`Alarms: now=…`, `Idle: true`) and `Tracking <n>:` lists; 9+ print `<ClassSimpleName>:`.
Tracked-job lines are `#<uid>/<id> from <src>…` (14+ `##…` or `#ns:…`). 7.x jobs print no
`Tracking:` line, so the controller a job appears under stands in for it.

Most controller text is diagnostic detail (AppStateTracker, network callbacks, Samsung's
Job scores / UidRestrictController …); it is recognised by shape and counted, not stored.
"""

from __future__ import annotations

import re

from wakescope.parsers.jobscheduler.block_input import BlockInput
from wakescope.parsers.jobscheduler.ids import TRACKED
from wakescope.parsers.numbers import safe_int
from wakescope.parsers.uid import parse_uid

# Controller → the `Tracking:` name it stands for (AppIdle / DeviceIdle / Background track all).
TRACKING_NAME = {
    "Connectivity": "CONNECTIVITY", "ConnectivityController": "CONNECTIVITY",
    "Alarms": "TIME", "TimeController": "TIME",
    "Idle": "IDLE", "IdleController": "IDLE",
    "Battery": "BATTERY", "BatteryController": "BATTERY",
    "Storage": "STORAGE", "StorageController": "STORAGE",
    "Content": "CONTENT", "ContentObserverController": "CONTENT",
    "QuotaController": "QUOTA",
}

_GENERIC = (
    re.compile(r"^[\w .'?()/<>&{}\[\]-]+:$"),  # sub-heading
    re.compile(r"^\S+=\S*"),  # key=value, `1000:com.x=false`, `Config={…}`
    re.compile(r"^[A-Za-z][\w ]*=\S"),  # `System installers={0->{…}}`
    re.compile(r"^[\w .'?()/<>&+\[\]{}#@:$-]+?: "),  # key: value, `10037: {…}`, `77: UidStats{…}`
    re.compile(r"^<-?\d+>\S+"),  # `<0>com.x`, `<0>com.x::.schedulePersisted():`
    re.compile(r"^(?:Top[A-Za-z]*)?Timer(?:<\w+>)?\{"),
    re.compile(r"^-?\d+ -> -?\d+ \(-?\d+\), \d+ bg jobs\.$"),
    re.compile(r"^Quota bump @ "),
    re.compile(r"^[-\d, ]+$"),  # Samsung CountQuotaTracker event times
    re.compile(r"^JobStatus\{"),
    re.compile(r"^uid=\d+\(\d+\):$"),
    re.compile(r"^\d+-ComponentInfo\{"),
    re.compile(r"^u\d+(?:ai|a|s|i)\d+ \S+$"),  # restricted packages
    re.compile(r"^content://\S+ 0x[0-9a-f]+ \(-?\d+\):$"),
    re.compile(r"^(?:NOT WAITING|None\.?|N/A|No [\w ]+|Jobs:|Observers:)$"),
    re.compile(r"^[+-]?[\dhmsd]+ms: "),  # `-3h5m48s761ms: BATTERY_NOT_LOW … [0x…]`
    re.compile(r"^(?:Connectivity\.|DeviceIdleJobsController)$"),
    re.compile(r"^(?:Next (?:delay|deadline) alarm in|Last delay alarm fired @) "),  # Time
)
# Controller state rows: `Key: value` with a worded key (`Idle mode`, `Stable power`); all-caps
# keys are per-bucket or per-uid detail (`ACTIVE: …`, `UID: 1000; …`, `UID_FG_STATE_CHANGED: …`).
_STATE_KEY = re.compile(r"^[A-Za-z](?=[^:]*[a-z])[A-Za-z0-9 _.'?()+-]*$")
_CATEGORY = re.compile(r"^(Category\{[^}]*\}): (.+)$")
_UID_PKG = re.compile(r"^u\d+(?:ai|a|s|i)\d+ \S+$")
_COLON_KV = re.compile(r"^([A-Za-z][\w .'?()+-]*?)\s*: (.*)$")


def is_generic(s: str) -> bool:
    return any(p.match(s) for p in _GENERIC)


def controller_key(header: str) -> str:
    """`ConnectivityController` → itself; 7–8 `Alarms: now=…` → `Alarms`."""
    return header.split(":", 1)[0].split(".", 1)[0].strip()


def parse_controller(src: BlockInput, start: int, end: int, name: str,
                     skip: frozenset[int] | set[int] = frozenset()) -> list[dict]:
    """State rows (`state:<Controller>`) of one controller block; tracked jobs go to
    `tracked[(uid, namespace, job id)]`."""
    lines, first_line, tracked, unknown = src.lines, src.first_line, src.tracked, src.unknown
    key = controller_key(name)
    track = TRACKING_NAME.get(key)
    group = f"state:{key}"
    rows: list[dict] = []
    header = lines[start].strip()
    if ":" in header and not header.endswith(":"):  # 7–8 heading with state
        k, _, v = header.partition(":")
        rows.append({"group": group, "key": k.strip(), "value": v.strip(),
                     "line": first_line + start})
    sub, sub_indent = None, -1
    exempt_user = "?"
    for i in range(start + 1, end):
        raw = lines[i]
        s = raw.strip()
        if not s or i in skip:
            continue
        indent = len(raw) - len(raw.lstrip())
        if sub is not None and indent <= sub_indent:
            sub = None
        if s.endswith(":") and ": " not in s:
            sub, sub_indent = s[:-1], indent
        elif sub == "Exempted bucket packages":
            # BackgroundJobsController 12+: `User <n>` then one package per line (apps in the
            # EXEMPTED standby bucket, AppStateTracker dump).
            if s.startswith("User ") and s[5:].isdigit():
                exempt_user = s[5:]
            else:
                rows.append({"group": group, "key": "Exempted bucket package",
                             "value": f"user {exempt_user}: {s}", "line": first_line + i})
            continue
        elif sub == "Restricted packages" and _UID_PKG.match(s):
            # BackgroundJobsController: apps the user restricted (BACKGROUND_NOT_RESTRICTED).
            rows.append({"group": group, "key": "Restricted package", "value": s,
                         "line": first_line + i})
            continue
        if s[0] == "#":
            m = TRACKED.match(s)
            if m:
                job_id = safe_int(m.group("id"))
                if job_id is None:  # an id no Java int holds: nothing left to link
                    unknown(i)
                elif track:
                    tracked.setdefault((parse_uid(m.group("uid")), m.group("ns"), job_id),
                                       set()).add(track)
                continue
        if s.startswith("Tracking ") and s.endswith(":"):
            continue
        m = _CATEGORY.match(s)
        if m:  # CountQuotaTracker limits (11+; Samsung adds timeout-ej/-reg/-uij, anr)
            rows.append({"group": group, "key": m.group(1), "value": m.group(2),
                         "line": first_line + i})
            continue
        m = _COLON_KV.match(s)
        if m and _STATE_KEY.match(m.group(1)) and len(m.group(2)) <= 1000:
            rows.append({"group": group, "key": m.group(1).strip(), "value": m.group(2).strip(),
                         "line": first_line + i})
            continue
        if not is_generic(s):
            unknown(i)
    return rows
