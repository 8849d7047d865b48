"""Attribution rules and analysis knowledge, loaded from TOML and validated.

Two shipped files beside this module: `apis.toml` (ordered tag/component/uid → api
rules, uid names) and `recommendations.toml` (thresholds with their sources, recommendation
texts and
doc links, plain-words wording). A user `--rules FILE` is merged over both: its `[[rule]]`
entries replace shipped rules of the same id in place (new ids go first, or before the id
named in `before`), and its `[thresholds.*]`, `[recommendations.*]`, `[wording.*]` and
`[uid_names]` entries override the shipped ones key by key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from wakescope.parsers.errors import InputError

if TYPE_CHECKING:
    from wakescope.analyzer.knowledge.scope import Scope

HERE = Path(__file__).resolve().parent
APIS_FILE = HERE / "apis.toml"
KNOWLEDGE_FILE = HERE / "recommendations.toml"
SCOPE_FILE = HERE / "scope.toml"

FAMILIES = ("wakelock", "alarm", "job", "sync", "kernel", "fgs")
_RULE_KEYS = {"id", "api", "on", "tag", "service", "namespace", "package", "app_id_min",
              "app_id_max", "columns", "component", "recommendation", "note", "before"}
_REGEX_KEYS = ("tag", "service", "namespace", "package")
_THRESHOLD_REQUIRED = {"value": (int, float), "unit": str, "source": str, "url": str}
_SEVERITIES = ("high", "medium", "low", "info")  # model.SEVERITIES (core: no import upward)
_NUMBER = (int, float)
# Every key a [thresholds.*] table may hold, with its one meaning (docs/knowledge.md lists
# them). A key a pass does not read is refused: a misspelt `min_period = 2` must not be
# silently ignored.
THRESHOLD_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "value": (_NUMBER, "the threshold the finding's `threshold` column shows"),
    "unit": (str, "unit of `value` and of the finding's value"),
    "comparison": (str, '">=" or ">": how a value crosses `value` and each severity bound'),
    "source": (str, "who says so, in plain words (the finding's `threshold_source`)"),
    "url": (str, "the page that says so"),
    "severity": (dict, "{level = bound}: the highest level whose bound the value crosses"),
    "severity_source": (str, "where the severity levels come from"),
    "severity_by_class": (dict, "{reason class = level}: severity by the kind of reason"),
    "severity_by_policy": (dict, "{policy = level}: severity by the policy that delays"),
    "min_period_h": (_NUMBER, "stats periods shorter than this are not scaled to 24 h: the "
                              "raw figure is shown and the finding is at most info"),
    "exempt_apis": (list, "APIs whose rows the check leaves out"),
    "max_findings": (int, "at most this many findings of the kind"),
    "constraint_stops_low": (int, "stops by lost constraints alone count from this many "
                                  "(then a low finding)"),
    "min_energy_share": (dict, "{level = share}: a level needs the finding to explain this "
                               "share of the measured drain, else it steps down"),
    "min_screen_off_h": (_NUMBER, "screen-off time shorter than this gives no rate"),
    "exclude": (list, "names the check leaves out (platform wakelocks that only mirror "
                      "others)"),
    "indefinite_after_days": (_NUMBER, "a policy time this far away is AlarmManager's "
                                       "\"indefinitely\": held until the policy ends"),
}
# The parameters each threshold's pass reads (beyond value, unit, comparison, source, url,
# severity_source), so a key that no pass reads is refused where it is written.
THRESHOLD_PARAMS: dict[str, frozenset[str]] = {
    "excessive_wakelock": frozenset({"severity", "exempt_apis", "min_period_h"}),
    "stuck_wakelock": frozenset({"severity"}),
    "excessive_wakeups": frozenset({"severity", "min_period_h"}),
    "deferred_job": frozenset({"severity_by_class"}),
    "abnormal_job_stops": frozenset({"severity", "constraint_stops_low"}),
    "alarm_deferral": frozenset({"severity_by_policy", "indefinite_after_days"}),
    "sync_storm": frozenset({"severity"}),
    "long_foreground_service": frozenset({"severity"}),
    "background_location": frozenset({"severity"}),
    "top_power_consumer": frozenset({"severity", "max_findings"}),
    "kernel_wakeup_reason": frozenset({"severity", "max_findings"}),
    "screen_off_drain": frozenset({"severity", "min_energy_share", "min_screen_off_h"}),
    "awake_screen_off": frozenset({"severity", "min_energy_share", "min_screen_off_h"}),
    "kernel_wakelock": frozenset({"severity", "min_energy_share", "max_findings",
                                  "min_screen_off_h", "exclude"}),
    "full_wakelock": frozenset({"severity", "min_energy_share"}),
    "radio_active": frozenset({"severity", "min_energy_share", "min_period_h"}),
}
_COMMON_KEYS = frozenset({"value", "unit", "comparison", "source", "url", "severity_source"})
_REC_REQUIRED = {"text": str, "api": str, "doc_url": str, "source": str}
_GROUP = re.compile(r"\(\?P?<([A-Za-z_]\w*)>")


class RulesError(InputError):
    """Invalid rules or knowledge data; the message names the file, the entry and the fix.

    A subclass of `InputError` so every CLI path that reports bad input in one sentence
    reports a bad `--rules FILE` the same way.
    """


@dataclass(frozen=True)
class Rule:
    """One attribution rule; conditions are ANDed, absent ones always hold."""

    id: str
    api: str
    on: tuple[str, ...] | None = None
    tag: str | None = None
    service: str | None = None
    namespace: str | None = None
    package: str | None = None
    app_id_min: int | None = None
    app_id_max: int | None = None
    columns: tuple[tuple[str, object], ...] = ()
    component: str | None = None
    recommendation: str | None = None
    note: str = ""
    origin: str = ""

    def groups(self, key: str) -> set[str]:
        """Named groups of the regex in `key` (tag or service)."""
        pattern = getattr(self, key)
        return set(_GROUP.findall(pattern)) if pattern else set()


@dataclass
class RuleSet:
    """Everything the analysis reads from data files."""

    rules: list[Rule]
    apis: tuple[str, ...]
    uid_names: dict[int, str]
    thresholds: dict[str, dict]
    recommendations: dict[str, dict]
    wording: dict[str, dict]
    files: list[str] = field(default_factory=list)
    scope: Scope | None = None     # where each finding rule applies (scope.toml)
    # Built from the rules once and reused (e.g. attribution's rule-match expression).
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def threshold(self, name: str) -> dict:
        return self.thresholds[name]

    def recommendation(self, rec_id: str | None) -> dict:
        return self.recommendations.get(rec_id or "", {})


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise RulesError(f"rules file {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"rules file {path} is not valid TOML: {exc}.") from None
    except OSError as exc:
        raise RulesError(f"rules file {path} cannot be read: {exc.strerror}.") from None


def _check_regex(where: str, pattern: str) -> None:
    """Compile with Polars' engine (Rust regex: no look-around, no back-references)."""
    import polars as pl

    try:
        pl.Series([""], dtype=pl.String).str.contains(pattern)
    except Exception as exc:  # Polars raises ComputeError for a bad pattern
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RulesError(f"{where}: invalid regex {pattern!r} ({first}); patterns use Rust "
                         "regex syntax (no look-around or back-references).") from None


def _check_regexes(items: list[tuple[str, str]]) -> None:
    """All patterns in one Polars pass; on failure, find and name the bad one."""
    import polars as pl

    if not items:
        return
    try:
        pl.DataFrame({"s": [""]}).select(
            [pl.col("s").str.contains(p).alias(f"r{i}") for i, (_, p) in enumerate(items)])
    except Exception:
        for where, pattern in items:
            _check_regex(where, pattern)


def _rule(entry: object, where: str, apis: tuple[str, ...], origin: str,
          regexes: list[tuple[str, str]]) -> Rule:
    if not isinstance(entry, dict):
        raise RulesError(f"{where}: each [[rule]] must be a table.")
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: "
                         f"{sorted(_RULE_KEYS)}.")
    rid = entry.get("id")
    if not isinstance(rid, str) or not rid:
        raise RulesError(f"{where}: every rule needs a non-empty string `id`.")
    where = f"{where} ({rid})"
    api = entry.get("api")
    if api not in apis:
        raise RulesError(f"{where}: api {api!r} is not one of {', '.join(apis)}.")
    on = entry.get("on")
    if on is not None:
        if not isinstance(on, list) or not all(isinstance(f, str) for f in on):
            raise RulesError(f"{where}: `on` must be a list of family names.")
        bad = [f for f in on if f not in FAMILIES]
        if bad:
            raise RulesError(f"{where}: unknown family {bad[0]!r} in `on`; families are "
                             f"{', '.join(FAMILIES)}.")
        on = tuple(on)
    for key in _REGEX_KEYS:
        value = entry.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise RulesError(f"{where}: `{key}` must be a regex string.")
        regexes.append((f"{where} `{key}`", value))
    for key in ("app_id_min", "app_id_max"):
        value = entry.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise RulesError(f"{where}: `{key}` must be an integer.")
    columns = entry.get("columns", {})
    if not isinstance(columns, dict) or not all(
            isinstance(v, str | int | float | bool) for v in columns.values()):
        raise RulesError(f"{where}: `columns` must be a table of column = scalar value.")
    for key in ("component", "recommendation", "note"):
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            raise RulesError(f"{where}: `{key}` must be a string.")
    return Rule(
        id=rid, api=api, on=on, tag=entry.get("tag"), service=entry.get("service"),
        namespace=entry.get("namespace"), package=entry.get("package"),
        app_id_min=entry.get("app_id_min"), app_id_max=entry.get("app_id_max"),
        columns=tuple(sorted(columns.items())), component=entry.get("component"),
        recommendation=entry.get("recommendation"), note=entry.get("note", ""),
        origin=origin,
    )


def _merge_rules(base: list[Rule], extra: list[tuple[Rule, str | None]], where: str
                 ) -> list[Rule]:
    """User rules over shipped ones: same id replaces in place, new ids go first/before."""
    out = list(base)
    new_front: list[Rule] = []
    for rule, before in extra:
        ids = [r.id for r in out]
        if rule.id in ids:
            out[ids.index(rule.id)] = rule
        elif before is not None:
            if before not in ids:
                raise RulesError(f"{where} ({rule.id}): `before = {before!r}` names no rule.")
            out.insert(ids.index(before), rule)
        else:
            new_front.append(rule)
    return new_front + out


def _check_threshold(name: str, t: object, where: str) -> None:
    if name not in THRESHOLD_PARAMS:
        raise RulesError(f"{where}: unknown threshold [thresholds.{name}]; the thresholds are "
                         f"{', '.join(THRESHOLD_PARAMS)}.")
    if not isinstance(t, dict):
        raise RulesError(f"{where}: [thresholds.{name}] must be a table.")
    allowed = _COMMON_KEYS | THRESHOLD_PARAMS[name]
    unknown = sorted(set(t) - allowed)
    if unknown:
        raise RulesError(f"{where}: [thresholds.{name}] has unknown key(s) {unknown} that "
                         f"nothing reads; it takes {', '.join(sorted(allowed))}.")
    for key, typ in _THRESHOLD_REQUIRED.items():
        if not isinstance(t.get(key), typ) or isinstance(t.get(key), bool):
            raise RulesError(f"{where}: [thresholds.{name}] needs `{key}` "
                             f"({'number' if key == 'value' else typ.__name__}).")
    for key, value in t.items():
        typ = THRESHOLD_KEYS[key][0]
        if not isinstance(value, typ) or isinstance(value, bool):
            raise RulesError(f"{where}: [thresholds.{name}] `{key}` must be a "
                             f"{'number' if typ is _NUMBER else typ.__name__} "
                             f"({THRESHOLD_KEYS[key][1]}).")
    if t.get("comparison", ">=") not in (">=", ">"):
        raise RulesError(f"{where}: [thresholds.{name}] comparison must be \">=\" or \">\".")
    levels = t.get("severity", {})
    if any(k not in _SEVERITIES or not isinstance(v, _NUMBER) or isinstance(v, bool)
           for k, v in levels.items()):
        raise RulesError(f"{where}: [thresholds.{name}] severity must map levels "
                         f"({', '.join(_SEVERITIES)}) to numeric bounds.")
    for key in ("severity_by_class", "severity_by_policy"):
        if any(v not in _SEVERITIES for v in t.get(key, {}).values()):
            raise RulesError(f"{where}: [thresholds.{name}] {key} values must be levels "
                             f"({', '.join(_SEVERITIES)}).")


def _check_recommendation(rid: str, r: object, where: str) -> None:
    if not isinstance(r, dict):
        raise RulesError(f"{where}: [recommendations.{rid}] must be a table.")
    for key, typ in _REC_REQUIRED.items():
        if not isinstance(r.get(key), typ):
            raise RulesError(f"{where}: [recommendations.{rid}] needs a string `{key}`.")


def _uid_names(raw: object, where: str) -> dict[int, str]:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: [uid_names] must be a table of uid = name.")
    out = {}
    for key, value in raw.items():
        if not str(key).isdigit() or not isinstance(value, str):
            raise RulesError(f"{where}: [uid_names] entry {key!r} must be `<uid> = \"name\"`.")
        out[int(key)] = value
    return out


def _build(apis_doc: dict, know_doc: dict, user: dict | None, user_path: str | None,
           scope_doc: dict | None = None) -> RuleSet:
    apis = tuple(apis_doc.get("apis", ()))
    if not apis or "unknown" not in apis:
        raise RulesError(f"{APIS_FILE}: `apis` must list the API names, including unknown.")
    regexes: list[tuple[str, str]] = []
    rules = [_rule(e, f"{APIS_FILE} rule #{i + 1}", apis, "shipped", regexes)
             for i, e in enumerate(apis_doc.get("rule", []))]
    uid_names = _uid_names(apis_doc.get("uid_names", {}), str(APIS_FILE))
    thresholds = dict(know_doc.get("thresholds", {}))
    recommendations = dict(know_doc.get("recommendations", {}))
    wording = {k: dict(v) for k, v in know_doc.get("wording", {}).items()}
    files = [str(APIS_FILE), str(KNOWLEDGE_FILE)]
    if user is not None:
        where = str(user_path)
        unknown = set(user) - {"version", "rule", "thresholds", "recommendations", "wording",
                               "uid_names", "apis", "scope"}
        if unknown:
            raise RulesError(f"{where}: unknown top-level key(s) {sorted(unknown)}; a rules "
                             "file holds [[rule]], [thresholds.*], [recommendations.*], "
                             "[wording.*] and [uid_names].")
        if "apis" in user:
            extra_apis = user["apis"]
            if not isinstance(extra_apis, list) or not all(isinstance(a, str) for a in extra_apis):
                raise RulesError(f"{where}: `apis` must be a list of names to add.")
            apis = apis + tuple(a for a in extra_apis if a not in apis)
        entries = user.get("rule", [])
        if not isinstance(entries, list):
            raise RulesError(f"{where}: rules must be written as [[rule]] tables.")
        extra = []
        for i, e in enumerate(entries):
            before = e.get("before") if isinstance(e, dict) else None
            extra.append((_rule(e, f"{where} rule #{i + 1}", apis, where, regexes), before))
        rules = _merge_rules(rules, extra, where)
        uid_names.update(_uid_names(user.get("uid_names", {}), where))
        for name, t in user.get("thresholds", {}).items():
            merged = {**thresholds.get(name, {}), **t} if isinstance(t, dict) else t
            _check_threshold(name, merged, where)
            thresholds[name] = merged
        for rid, r in user.get("recommendations", {}).items():
            merged = {**recommendations.get(rid, {}), **r} if isinstance(r, dict) else r
            _check_recommendation(rid, merged, where)
            recommendations[rid] = merged
        for group, entries_ in user.get("wording", {}).items():
            if group not in wording:
                raise RulesError(f"{where}: unknown wording group [wording.{group}]; the "
                                 f"groups are {', '.join(wording)}.")
            if not isinstance(entries_, dict):
                raise RulesError(f"{where}: [wording.{group}] must be a table.")
            wording.setdefault(group, {}).update(entries_)
        files.append(where)
    _check_regexes(regexes)
    ids = [r.id for r in rules]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup:
        raise RulesError(f"rule id {dup!r} is used twice; ids must be unique.")
    for name, t in thresholds.items():
        _check_threshold(name, t, str(KNOWLEDGE_FILE))
    for rid, r in recommendations.items():
        _check_recommendation(rid, r, str(KNOWLEDGE_FILE))
    for r in rules:
        if r.recommendation and r.recommendation not in recommendations:
            raise RulesError(f"rule {r.id} ({r.origin}): recommendation "
                             f"{r.recommendation!r} is not in [recommendations].")
    from wakescope.analyzer.knowledge.scope import load_scope

    scope = load_scope(scope_doc or {}, str(SCOPE_FILE),
                       (user or {}).get("scope"), str(user_path) if user else None)
    return RuleSet(rules, apis, uid_names, thresholds, recommendations, wording, files, scope)


@lru_cache(maxsize=8)
def _load_cached(user_path: str | None, mtime: float | None) -> RuleSet:
    if not user_path:
        return _shipped()
    user = _read(Path(user_path))
    return _build(_read(APIS_FILE), _read(KNOWLEDGE_FILE), user, user_path, _read(SCOPE_FILE))


# The shipped rules, validated once per change of their files or of the code that reads
# them, kept pickled inside the package (never in an output folder): a cold `report` spent
# ~40-60 ms parsing 72 KB of TOML and checking every rule (issue 17).
CACHE_DIR = HERE / "_compiled"


def _shipped_digest() -> str:
    """What a cached RuleSet must have been built from: the shipped files, this module and
    scope.py, and the Python and Polars versions (the regexes are checked with Polars)."""
    import hashlib
    import sys

    import polars as pl

    # The folder too: a RuleSet names its files by path.
    h = hashlib.sha256(f"{sys.version_info[:2]} polars {pl.__version__} {HERE}".encode())
    for path in (APIS_FILE, KNOWLEDGE_FILE, SCOPE_FILE, Path(__file__), HERE / "scope.py"):
        h.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _shipped(cache: Path = CACHE_DIR) -> RuleSet:
    """The shipped rules: from the `cache` folder when its digest matches, else built (and
    cached where the folder is writable; a read-only install builds them every run)."""
    import pickle

    path = cache / f"rules-{_shipped_digest()[:16]}.pickle"
    try:
        with open(path, "rb") as fh:
            rules = pickle.load(fh)
        if isinstance(rules, RuleSet):
            return rules
    except Exception:  # absent, unreadable or written by other code: build afresh
        pass
    rules = _build(_read(APIS_FILE), _read(KNOWLEDGE_FILE), None, None, _read(SCOPE_FILE))
    _store(rules, path)
    return rules


def _store(rules: RuleSet, path: Path) -> None:
    """Pickle `rules` beside the older caches (written aside, then renamed into place, so a
    reader never sees half a file) and remove those; a failure only costs the next run."""
    import os
    import pickle

    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        for old in path.parent.glob("rules-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def load_rules(user: Path | str | None = None) -> RuleSet:
    """The shipped rules and knowledge, with `user` (a `--rules FILE`) merged over them.

    Raises `RulesError` with one sentence naming the file and entry when anything is invalid.
    """
    if user is None:
        return _load_cached(None, None)
    path = Path(user)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise RulesError(f"rules file {path} does not exist.") from None
    return _load_cached(str(path.resolve()), mtime)
