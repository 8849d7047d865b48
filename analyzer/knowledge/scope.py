"""Where each finding rule applies (scope.toml): release gate, who, context, observation
window and magnitude floor, validated on load so a bad entry is one sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SEVERITIES = ("high", "medium", "low", "info")   # analyzer.model.SEVERITIES (no import up)
CONTEXTS = ("screen_on", "top", "media", "running_at_reset")
_RULE_KEYS = {"min_sdk", "below_release", "release_words", "who", "min_window_h",
              "bar_window_h", "min_mah", "min_discharge_share", "context", "source",
              "short_window_max", "raw_lower_bound", "max_severity"}


@dataclass(frozen=True)
class RuleScope:
    """One finding kind's scope (see scope.toml for each field's meaning)."""

    kind: str
    min_sdk: int | None = None
    below_release: str = "info"
    release_words: str = ""
    who: str = "app"
    min_window_h: float = 0.0
    bar_window_h: float | None = None
    min_mah: float | None = None
    min_discharge_share: float | None = None
    context: tuple[str, ...] = ()
    short_window_max: str = "info"
    raw_lower_bound: bool = False
    max_severity: str = "high"
    source: str = ""


@dataclass(frozen=True)
class ReleaseMarker:
    table: str
    column: str | None
    value: object
    min_sdk: int
    words: str


@dataclass
class Scope:
    """The whole scope file: per-kind scopes, platform definition, release markers."""

    rules: dict[str, RuleScope]
    platform_max: str
    first_app_uid: int
    platform_patterns: tuple[str, ...]
    markers: tuple[ReleaseMarker, ...]
    checkin_release: dict[int, int]
    keep_recommendations: tuple[str, ...] = ()
    _compiled: list[re.Pattern] = field(default_factory=list, repr=False)

    def rule(self, kind: str) -> RuleScope:
        return self.rules.get(kind) or RuleScope(kind=kind, who="any")

    def platform_package(self, package: str | None) -> bool:
        """Is `package` a platform / OEM system package (by the [platform] patterns)?"""
        if not package:
            return False
        if not self._compiled:
            self._compiled = [re.compile(p) for p in self.platform_patterns]
        return any(p.search(package) for p in self._compiled)


def _err(where: str, msg: str):
    from wakescope.analyzer.knowledge import RulesError

    return RulesError(f"{where}: {msg}")


def _number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _rule(kind: str, raw: object, where: str) -> RuleScope:
    w = f"{where} [scope.{kind}]"
    if not isinstance(raw, dict):
        raise _err(w, "must be a table.")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise _err(w, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}.")
    for key in ("min_window_h", "bar_window_h", "min_mah", "min_discharge_share"):
        if key in raw and (not _number(raw[key]) or raw[key] < 0):
            raise _err(w, f"`{key}` must be a non-negative number.")
    if "min_sdk" in raw and (not isinstance(raw["min_sdk"], int) or isinstance(
            raw["min_sdk"], bool)):
        raise _err(w, "`min_sdk` must be an integer API level.")
    if raw.get("below_release", "info") not in ("info", "drop"):
        raise _err(w, '`below_release` must be "info" or "drop".')
    if not isinstance(raw.get("raw_lower_bound", False), bool):
        raise _err(w, "`raw_lower_bound` must be true or false.")
    if raw.get("who", "app") not in ("app", "any"):
        raise _err(w, '`who` must be "app" or "any".')
    if raw.get("max_severity", "high") not in SEVERITIES:
        raise _err(w, f"`max_severity` must be one of {', '.join(SEVERITIES)}.")
    if raw.get("short_window_max", "info") not in SEVERITIES:
        raise _err(w, f"`short_window_max` must be one of {', '.join(SEVERITIES)}.")
    ctx = raw.get("context", [])
    if not isinstance(ctx, list) or any(c not in CONTEXTS for c in ctx):
        raise _err(w, f"`context` must be a list of {', '.join(CONTEXTS)}.")
    for key in ("release_words", "source"):
        if key in raw and not isinstance(raw[key], str):
            raise _err(w, f"`{key}` must be a string.")
    if "min_sdk" in raw and not raw.get("release_words"):
        raise _err(w, "an SDK-gated rule needs `release_words` (how the detail names the gate).")
    return RuleScope(
        kind=kind, min_sdk=raw.get("min_sdk"), below_release=raw.get("below_release", "info"),
        release_words=raw.get("release_words", ""), who=raw.get("who", "app"),
        min_window_h=float(raw.get("min_window_h", 0.0)),
        bar_window_h=float(raw["bar_window_h"]) if "bar_window_h" in raw else None,
        min_mah=raw.get("min_mah"), min_discharge_share=raw.get("min_discharge_share"),
        context=tuple(ctx), short_window_max=raw.get("short_window_max", "info"),
        raw_lower_bound=bool(raw.get("raw_lower_bound", False)),
        max_severity=raw.get("max_severity", "high"),
        source=raw.get("source", ""))


def load_scope(doc: dict, where: str, user: object = None, user_where: str | None = None
               ) -> Scope:
    """Validate the shipped scope document (and a user `[scope.*]` override) into a Scope."""
    raw_rules = doc.get("scope", {})
    if not isinstance(raw_rules, dict):
        raise _err(where, "[scope] must hold one table per finding kind.")
    rules = {k: _rule(k, v, where) for k, v in raw_rules.items()}
    if user is not None:
        if not isinstance(user, dict):
            raise _err(str(user_where), "[scope] must hold one table per finding kind.")
        for k, v in user.items():
            merged = {**(raw_rules.get(k) or {}), **v} if isinstance(v, dict) else v
            rules[k] = _rule(k, merged, str(user_where))
    plat = doc.get("platform", {})
    if not isinstance(plat, dict):
        raise _err(where, "[platform] must be a table.")
    max_sev = plat.get("max_severity", "info")
    if max_sev not in SEVERITIES:
        raise _err(where, f"[platform] max_severity must be one of {', '.join(SEVERITIES)}.")
    patterns = plat.get("package_patterns", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise _err(where, "[platform] package_patterns must be a list of regex strings.")
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise _err(where, f"[platform] invalid pattern {p!r} ({exc}).") from None
    first = plat.get("first_app_uid", 10_000)
    if not isinstance(first, int):
        raise _err(where, "[platform] first_app_uid must be an integer.")
    markers = []
    for i, m in enumerate(doc.get("release_marker", [])):
        w = f"{where} [[release_marker]] #{i + 1}"
        if not isinstance(m, dict) or not isinstance(m.get("table"), str) or not isinstance(
                m.get("min_sdk"), int) or not isinstance(m.get("words"), str):
            raise _err(w, "needs `table` (string), `min_sdk` (integer) and `words` (string).")
        if "column" in m and "value" not in m:
            raise _err(w, "a `column` condition needs a `value`.")
        markers.append(ReleaseMarker(m["table"], m.get("column"), m.get("value"),
                                     m["min_sdk"], m["words"]))
    checkin = {}
    for k, v in doc.get("checkin_release", {}).items():
        if not str(k).isdigit() or not isinstance(v, int):
            raise _err(where, f"[checkin_release] entry {k!r} must be `<version> = <sdk>`.")
        checkin[int(k)] = v
    keep = plat.get("keep_recommendations", [])
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise _err(where, "[platform] keep_recommendations must be a list of ids.")
    return Scope(rules, max_sev, first, tuple(patterns), tuple(markers), checkin,
                 tuple(keep))
