"""Applies knowledge/scope.toml to findings: which release a rule needs, who the finding is
about (an app or the platform), and how much observation a projected figure needs.

Passes value their figures with `windowed()` (raw figure, window, projection) and build
rows with `ctx.finding(..., window_ms=, scaled=)`; `apply()` then caps each row by its
rule's release gate and by who it is about, and words the detail to say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from wakescope.analyzer.model import SEVERITIES
from wakescope.analyzer.passes.context import HOUR_MS, Context, fmt_ms, lower
from wakescope.parsers.uid import PER_USER_RANGE


@dataclass(frozen=True)
class Release:
    """The device release as far as the capture proves it."""

    sdk: int | None            # exact API level (build line / getprop / checkin vers)
    sdk_min: int | None        # lower bound from format markers when sdk is unknown
    source: str                # which line or marker says so

    def at_least(self, sdk: int) -> bool | None:
        """True/False when the capture says, None when it cannot."""
        if self.sdk is not None:
            return self.sdk >= sdk
        if self.sdk_min is not None and self.sdk_min >= sdk:
            return True
        return None


def release(ctx: Context) -> Release:
    """Exact SDK from the metadata, else the best lower bound from format markers."""
    meta = ctx.cap.meta
    if meta.sdk:
        return Release(int(meta.sdk), int(meta.sdk),
                       f"SDK {meta.sdk} from {meta.sources.get('sdk', 'the capture')}")
    scope = ctx.rules.scope
    best: tuple[int, str] | None = None
    version = meta.checkin_version
    if version is not None and scope is not None:
        known = [v for v in scope.checkin_release if v <= version]
        if known:
            sdk = scope.checkin_release[max(known)]
            best = (sdk, f"checkin version {version} (printed from API {sdk})")
    for m in (scope.markers if scope is not None else ()):
        df = ctx.tables.get(m.table)
        if df is None or df.is_empty():
            continue
        if m.column is not None and (m.column not in df.columns
                                     or not (df[m.column] == m.value).any()):
            continue
        if best is None or m.min_sdk > best[0]:
            best = (m.min_sdk, m.words)
    if best is None:
        return Release(None, None, "no build line and no format marker bounds the release")
    return Release(None, best[0], f"no build line; at least API {best[0]} from {best[1]}")


@dataclass(frozen=True)
class Windowed:
    """A figure against a bar defined over `bar_window_h`: the value to show, the value
    to grade, and whether it was scaled."""

    raw: float                 # the figure as measured over window_ms
    value: float               # shown: projected/normalised when allowed, else the raw figure
    graded: float              # what the severity ladder reads (bar-window figure)
    scaled: bool               # value was multiplied/divided onto the bar's window
    short: bool                # under the rule's min_window_h: at most short_window_max
    window_ms: int | None

    def words(self, unit_raw: str, bar_words: str) -> str:
        """The basis clause: window, and scaling or why not."""
        if self.window_ms is None:
            return "no observation window known, so the raw figure"
        w = fmt_ms(self.window_ms)
        if self.short:
            return (f"raw figure over {w} (under the rule's minimum observation, so not "
                    f"projected to {bar_words})")
        if self.scaled:
            return f"{unit_raw} over {w}, normalised to {bar_words}"
        return f"over {w}"


def windowed(ctx: Context, kind: str, raw: float, window_ms: int | None) -> Windowed:
    """Value a raw figure (count or hours) measured over `window_ms` against the rule's bar."""
    sc = ctx.rules.scope.rule(kind) if ctx.rules.scope else None
    bar_h = sc.bar_window_h if sc and sc.bar_window_h else None
    if not window_ms or window_ms <= 0 or bar_h is None:
        return Windowed(raw, raw, raw, False, window_ms is None or window_ms <= 0, window_ms)
    hours = window_ms / HOUR_MS
    projected = raw * bar_h / hours
    if hours >= (sc.min_window_h if sc else 0.0):
        return Windowed(raw, projected, projected, abs(hours - bar_h) > 1e-9, False,
                        window_ms)
    return Windowed(raw, raw, projected, False, True, window_ms)


def grade(ctx: Context, kind: str, w: Windowed, threshold: dict) -> tuple[str | None, bool]:
    """(severity, lower_bound): the ladder on the bar-window figure; under the rule's minimum
    observation, a raw count/time that already crosses the bar keeps its level when the
    rule says raw figures are lower bounds (no projection made); a rate needs a raw count
    of at least one bar-window's worth; then the projection's level, capped at
    `short_window_max`."""
    from wakescope.analyzer.passes.context import level

    if not w.short:
        return level(w.graded, threshold), False
    sc = ctx.rules.scope.rule(kind) if ctx.rules.scope else None
    bar_h = sc.bar_window_h if sc else None
    if (sc is not None and sc.raw_lower_bound and bar_h and w.window_ms
            and w.window_ms <= bar_h * HOUR_MS):
        sev = level(w.raw, threshold)
        if sev is not None:
            return sev, True
    elif sc is not None and not sc.raw_lower_bound and level(w.raw, threshold) is None:
        # A rate from a short window: the raw count must at least reach one bar-window's
        # worth (e.g. 10 wakeups for the 10/h bar); one wakeup in 3 minutes says nothing.
        return None, False
    sev = level(w.graded, threshold)
    return (None if sev is None else short_cap(ctx, kind, sev)), False


def short_cap(ctx: Context, kind: str, severity: str) -> str:
    sc = ctx.rules.scope.rule(kind) if ctx.rules.scope else None
    return lower(severity, sc.short_window_max if sc else "info")


def is_platform(ctx: Context, uid: int | None, package: str | None) -> bool:
    """A system uid (< 10000 in any user) or a platform / OEM system package."""
    scope = ctx.rules.scope
    first = scope.first_app_uid if scope else 10_000
    if uid is not None and int(uid) % PER_USER_RANGE < first:
        return True
    if scope is None:
        return False
    if scope.platform_package(package):
        return True
    # A shared uid is platform when its owner (the name the capture gives it) is.
    return uid is not None and scope.platform_package(ctx.package_of(uid))


_PLATFORM_WORDS = (" This is platform software (a system uid or a preinstalled system / "
                   "OEM package), not an app's bug: it is reported as platform, at most "
                   "{sev}; the device maker owns it.")


def apply(ctx: Context, rows: list[dict]) -> list[dict]:
    """Cap and word each finding by its rule's scope (release gate, who); drop findings
    whose rule does not apply on the known release when the rule says so."""
    scope = ctx.rules.scope
    if scope is None:
        return rows
    rel = release(ctx)
    out = []
    for row in rows:
        sc = scope.rule(row["kind"])
        row["severity"] = lower(row["severity"], sc.max_severity)
        if sc.min_sdk is not None:
            applies = rel.at_least(sc.min_sdk)
            if applies is False:
                if sc.below_release == "drop":
                    continue
                row["severity"] = lower(row["severity"], "info")
                row["detail"] += (f" The limit applies from {sc.release_words}; this device "
                                  f"runs API {rel.sdk}, so here it is informational.")
                row["basis"] += f"; release: {rel.source}"
            elif applies is None:
                row["severity"] = lower(row["severity"], "info")
                row["detail"] = (f"If the app targets {sc.release_words}: "
                                 + row["detail"][0].lower() + row["detail"][1:]
                                 + f" The release is unknown ({rel.source}), so this is "
                                 "informational.")
                row["basis"] += "; release unknown"
        who = row.get("who")
        if sc.who == "app" and is_platform(ctx, row.get("uid"), row.get("package")):
            row["who"] = "platform"
            row["severity"] = lower(row["severity"], scope.platform_max)
            row["detail"] += _PLATFORM_WORDS.format(sev=scope.platform_max)
            rec = ctx.rules.recommendation("system_overhead")
            if rec and row.get("recommendation_id") not in scope.keep_recommendations:
                row["recommendation_id"] = "system_overhead"
                row["recommendation"] = rec.get("text")
                row["doc_url"] = rec.get("doc_url")
        elif who is None:
            uid = row.get("uid")
            row["who"] = ("platform" if uid is not None and is_platform(ctx, uid, None)
                          else "app" if uid is not None or row.get("package") else None)
        assert row["severity"] in SEVERITIES
        out.append(row)
    return out
