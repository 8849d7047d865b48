"""Capture metadata: device, build, Android release/SDK, capture time and the service clocks.

Sources, in order of trust (formats.md §1.2, §4.4): the dumpstate header
(`Android SDK version:` from 14), getprop `[ro.build.version.sdk]`, the fingerprint's
release field, and the checkin `vers` line (checkin and parcel versions). Each field
records which source won.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from wakescope.parsers.clock import (
    JOB_CLOCK_LINE,
    NOW_RTC_LINE,
    Clock,
    local_offset_minutes,
    parse_duration_ms,
    parse_uptime_ms,
    plausible_clock,
)

RELEASE_TO_SDK = {
    "4.4": 19, "5.0": 21, "5.1": 22, "6.0": 23, "6": 23, "7.0": 24, "7": 24, "7.1": 25,
    "8.0": 26, "8": 26, "8.1": 27, "9": 28, "10": 29, "11": 30, "12": 31, "13": 33,
    "14": 34, "15": 35, "16": 36,
}
SDK_TO_RELEASE = {19: "4.4", 21: "5.0", 22: "5.1", 23: "6.0", 24: "7.0", 25: "7.1", 26: "8.0",
                  27: "8.1", 28: "9", 29: "10", 30: "11", 31: "12", 32: "12L", 33: "13",
                  34: "14", 35: "15", 36: "16"}
# BatteryStats checkin version → SDK where one release owns it (formats.md §4.4).
CHECKIN_TO_SDK = {15: 23, 16: 23, 17: 23, 18: 24, 19: 25, 23: 26, 27: 27, 32: 28, 34: 29}
# Parcel version breaks ties for checkin 35 (11–13) and 36 (14–16); 215 is Android 15
# (pixel7-lynx corpus file).
PARCEL_TO_SDK = {147: 24, 150: 25, 159: 26, 167: 27, 177: 28, 200: 31, 208: 33, 212: 34,
                 215: 35}

_HEADER_DATE = re.compile(r"^== dumpstate: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", re.MULTILINE)
_HEADER_KV = re.compile(
    r"^(Build|Build fingerprint|Bootloader|Radio|Network|Kernel|Android SDK version|Uptime|"
    r"Bugreport format version|Dumpstate info|Module Metadata version): ?(.*)$",
    re.MULTILINE,
)
_PROP = re.compile(r"^\[([\w.]+)\]: \[(.*)\]$", re.MULTILINE)
_WANTED_PROPS = {
    "ro.product.manufacturer", "ro.product.model", "ro.product.device", "ro.product.name",
    "ro.product.brand", "ro.build.fingerprint", "ro.build.id", "ro.build.display.id",
    "ro.build.version.release", "ro.build.version.sdk", "ro.build.type",
    "persist.sys.timezone", "ro.product.vendor.manufacturer", "ro.product.vendor.model",
    "ro.product.vendor.device", "ro.product.system.manufacturer",
}
_VERS = re.compile(r"^9,0,i,vers,(\d+),(\d+),([^,\n]*),([^,\n]*)$", re.MULTILINE)
_RESET_TIME = re.compile(r"RESET:TIME: (\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)")
_INT = re.compile(r"-?\d{1,18}", re.ASCII)


def _int(text: str | None) -> int | None:
    """ASCII digits that fit Int64 → int; `²`, 5,000-digit runs and junk → None (total)."""
    return int(text) if text and _INT.fullmatch(text.strip()) else None


def _local(text: str | None) -> datetime | None:
    """An ISO device-local time → naive datetime; None when it is no real date (`2018-13-45`)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return None


def _valid_local(text: str) -> str | None:
    """The ISO text itself when it names a real date, else None (so `set` ignores it)."""
    return text if _local(text) is not None else None


@dataclass
class Metadata:
    """What we know about the device and the capture; `sources` says where each came from."""

    manufacturer: str | None = None
    brand: str | None = None
    model: str | None = None
    device: str | None = None
    product: str | None = None
    fingerprint: str | None = None
    build_id: str | None = None
    build_display: str | None = None
    build_type: str | None = None
    release: str | None = None
    sdk: int | None = None
    checkin_version: int | None = None
    parcel_version: int | None = None
    bugreport_format: str | None = None
    capture_local: str | None = None  # device-local wall time, ISO, no offset
    capture_utc: str | None = None
    utc_offset_min: int | None = None
    timezone: str | None = None
    uptime_ms: int | None = None
    elapsed_realtime_ms: int | None = None
    service_now: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)

    def set(self, key: str, value, source: str) -> None:
        """Set a field only if still unknown, remembering the source that won."""
        if value in (None, "", "(unknown)"):
            return
        if getattr(self, key) is None:
            setattr(self, key, value)
            self.sources[key] = source

    def as_dict(self) -> dict:
        return asdict(self)


def release_from_fingerprint(fp: str) -> str | None:
    """`brand/product/device:release/ID/incr:type/tags` → release (e.g. `8.1.0` → `8.1`)."""
    try:
        rel = fp.split(":", 1)[1].split("/", 1)[0]
    except IndexError:
        return None
    return rel or None


def sdk_from_release(release: str | None) -> int | None:
    if not release:
        return None
    parts = release.split(".")
    for key in (".".join(parts[:2]), parts[0]):
        if key in RELEASE_TO_SDK:
            return RELEASE_TO_SDK[key]
    return None


def _short_release(release: str) -> str:
    parts = release.split(".")
    if (len(parts) >= 2 and parts[1] != "0") or parts[0] in {"5", "6", "7", "8"}:
        return ".".join(parts[:2])
    return parts[0]


_BUGREPORT_NAME = re.compile(
    r"bugreport-([A-Za-z0-9_]+)-([A-Z0-9][A-Za-z0-9._]+)-(\d{4}-\d\d-\d\d)-(\d\d)-(\d\d)-(\d\d)"
)


def read_bugreport_name(meta: Metadata, text: str, source: str) -> None:
    """`bugreport-<product>-<build id>-<date>` names (8+ zips, unzip chatter) → product, build."""
    m = _BUGREPORT_NAME.search(text)
    if not m:
        return
    meta.set("product", m.group(1), source)
    meta.set("device", m.group(1), source)
    meta.set("build_id", m.group(2), source)
    meta.set("capture_local",
             _valid_local(f"{m.group(3)}T{m.group(4)}:{m.group(5)}:{m.group(6)}"), source)


def read_header(meta: Metadata, head: str) -> None:
    """The dumpstate header block at the top of a bug report (formats.md §1.2)."""
    m = _HEADER_DATE.search(head)
    if m:
        meta.set("capture_local", _valid_local(m.group(1).replace(" ", "T")),
                 "dumpstate header")
    seen: set[str] = set()
    for key, value in _HEADER_KV.findall(head):
        if key in seen:  # later copies come from ANR traces and tombstones
            continue
        seen.add(key)
        value = value.strip()
        if key == "Build fingerprint":
            meta.set("fingerprint", value.strip("'"), "dumpstate header")
        elif key == "Build":
            meta.set("build_display", value, "dumpstate header")
        elif key == "Android SDK version":
            meta.set("sdk", _int(value), "dumpstate header")
        elif key == "Uptime":
            meta.set("uptime_ms", parse_uptime_ms(value), "dumpstate header")
        elif key == "Bugreport format version":
            meta.set("bugreport_format", value, "dumpstate header")


def read_properties(meta: Metadata, props_text: str) -> None:
    """getprop output (`[key]: [value]`) from the SYSTEM PROPERTIES section."""
    props = {k: v for k, v in _PROP.findall(props_text) if k in _WANTED_PROPS}
    src = "getprop"
    meta.set("manufacturer", props.get("ro.product.manufacturer")
             or props.get("ro.product.vendor.manufacturer"), src)
    meta.set("model", props.get("ro.product.model") or props.get("ro.product.vendor.model"), src)
    meta.set("device", props.get("ro.product.device") or props.get("ro.product.vendor.device"),
             src)
    meta.set("product", props.get("ro.product.name"), src)
    meta.set("brand", props.get("ro.product.brand"), src)
    meta.set("fingerprint", props.get("ro.build.fingerprint"), src)
    meta.set("build_id", props.get("ro.build.id"), src)
    meta.set("build_display", props.get("ro.build.display.id"), src)
    meta.set("build_type", props.get("ro.build.type"), src)
    meta.set("timezone", props.get("persist.sys.timezone"), src)
    meta.set("sdk", _int(props.get("ro.build.version.sdk")), src)
    rel = props.get("ro.build.version.release")
    if rel:
        meta.set("release", _short_release(rel), src)


def read_fingerprint(meta: Metadata) -> None:
    """Fill device, build id and release from the fingerprint when nothing better said."""
    fp = meta.fingerprint
    if not fp:
        return
    try:
        left, right = fp.split(":", 1)
        brand, product, device = [*left.split("/"), None, None, None][:3]
        release, build_id = [*right.split("/"), None, None][:2]
    except ValueError:
        return
    src = "fingerprint"
    meta.set("brand", brand, src)
    meta.set("product", product, src)
    meta.set("device", device, src)
    meta.set("build_id", build_id, src)
    if release:
        meta.set("release", _short_release(release), src)
        meta.set("sdk", sdk_from_release(release), src)


def read_checkin_version(meta: Metadata, checkin_text: str) -> None:
    """`9,0,i,vers,<checkin>,<parcel>,<start build>,<end build>` (formats.md §4.4)."""
    m = _VERS.search(checkin_text[:200_000])
    if not m:
        return
    checkin, parcel = _int(m.group(1)), _int(m.group(2))
    if checkin is None or parcel is None:
        return
    meta.set("checkin_version", checkin, "checkin vers")
    meta.set("parcel_version", parcel, "checkin vers")
    meta.set("build_id", m.group(4) or None, "checkin vers")
    sdk = PARCEL_TO_SDK.get(parcel) or CHECKIN_TO_SDK.get(checkin)
    if sdk is None and checkin == 35:
        sdk = 30 if parcel <= 186 else None
    if sdk is None and checkin >= 36 and parcel > 215:
        sdk = 36
    if sdk is not None:
        meta.set("sdk", sdk, "checkin vers")
    elif checkin == 35:
        meta.set("release", "11–13", "checkin vers")
    elif checkin == 36:
        meta.set("release", "14–16", "checkin vers")


def read_service_clocks(meta: Metadata, alarm_text: str | None, job_text: str | None) -> None:
    """Each service's own "now": alarm nowRTC/nowELAPSED, jobscheduler elapsed clocks."""
    if alarm_text:
        for m in NOW_RTC_LINE.finditer(alarm_text[:20_000]):
            # 7.x (Meizu 7.1.1) prints nowELAPSED as a duration (formats.md §2.2).
            raw = m.group(3)
            elapsed = parse_duration_ms(raw) if raw.startswith("+") else _int(raw)
            rtc, local = _int(m.group(1)), m.group(2).split(".")[0].replace(" ", "T")
            # Only a pair that can be a clock: a real local date, both numbers in range.
            if plausible_clock(rtc, elapsed) and _local(local) is not None:
                meta.service_now["alarm"] = {"now_rtc_ms": rtc, "now_elapsed_ms": elapsed,
                                             "now_local": local}
                break
    if job_text:
        found = {}
        for ec, cet, anow in JOB_CLOCK_LINE.findall(job_text):
            if _int(ec) is not None and "elapsed_clock_ms" not in found:
                found["elapsed_clock_ms"] = _int(ec)
            if _int(cet) is not None and "current_elapsed_ms" not in found:
                found["current_elapsed_ms"] = _int(cet)
            if _int(anow) is not None and "alarms_now_ms" not in found:
                found["alarms_now_ms"] = _int(anow)
        if found:
            meta.service_now["jobscheduler"] = found


def build_clock(meta: Metadata) -> Clock | None:
    """The capture clock: the alarm service's nowRTC/nowELAPSED pair is exact; else none."""
    alarm = meta.service_now.get("alarm")
    if alarm:
        rtc, elapsed = alarm["now_rtc_ms"], alarm["now_elapsed_ms"]
        local = _local(alarm["now_local"])  # validated by read_service_clocks
        offset = local_offset_minutes(local, rtc) if local is not None else None
        meta.set("utc_offset_min", offset, "alarm nowRTC")
        meta.set("elapsed_realtime_ms", elapsed, "alarm nowELAPSED")
        clock = Clock(elapsed, rtc, "alarm nowRTC/nowELAPSED", offset)
        if meta.capture_local:
            captured = _local(meta.capture_local)
            utc = clock.local_to_utc_ms(captured) if captured is not None else None
            if utc is not None:
                meta.set("capture_utc", _iso_utc(utc), "dumpstate header + alarm offset")
        else:
            meta.set("capture_local", alarm["now_local"], "alarm nowRTC")
            meta.set("capture_utc", _iso_utc(rtc), "alarm nowRTC")
        return clock
    _zone_offset(meta)
    jobs = meta.service_now.get("jobscheduler")
    if jobs:
        meta.set("elapsed_realtime_ms", jobs.get("elapsed_clock_ms")
                 or jobs.get("current_elapsed_ms") or jobs.get("alarms_now_ms"),
                 "jobscheduler clock")
    meta.set("elapsed_realtime_ms", meta.uptime_ms, "uptime")
    return None


def _zone_offset(meta: Metadata) -> None:
    """No alarm dump: the getprop zone (`persist.sys.timezone`, real rules via zoneinfo)
    gives the offset at the header's local capture time, hence the capture's UTC."""
    if not meta.timezone or not meta.capture_local or meta.utc_offset_min is not None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    local = _local(meta.capture_local)
    try:
        tz = ZoneInfo(meta.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return
    if local is None:
        return
    off = local.replace(tzinfo=tz).utcoffset()
    if off is None:
        return
    meta.set("utc_offset_min", int(off.total_seconds() // 60), "persist.sys.timezone")
    utc_ms = int((local.replace(tzinfo=UTC) - off).timestamp() * 1000)
    meta.set("capture_utc", _iso_utc(utc_ms), "dumpstate header + persist.sys.timezone")


def _iso_utc(ms: int) -> str | None:
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, ValueError, OSError):  # beyond datetime's range
        return None


def history_start_local(batterystats_text: str) -> str | None:
    """The first `RESET:TIME:` of a battery history, as an ISO device-local time."""
    m = _RESET_TIME.search(batterystats_text[:50_000])
    if not m:
        return None
    d = m.group(1)
    return f"{d[:10]}T{d[11:13]}:{d[14:16]}:{d[17:19]}"


def read_serial(text: str) -> str | None:
    """`[ro.serialno]: [X]` from getprop, anywhere in the text (held in memory only: a batch
    hashes it with the model into a private device key)."""
    at = text.find("[ro.serialno]: [")
    if at < 0:
        return None
    end = text.find("]", at + 16)
    serial = text[at + 16:end] if 0 < end - at < 80 else ""
    return serial if serial.strip() else None
