"""Rules data: the shipped TOML validates, `--rules FILE` merges over it, errors are clear."""

from __future__ import annotations

import textwrap
import tomllib

import pytest

from wakescope.analyzer.attribution import attribute
from wakescope.analyzer.knowledge import APIS_FILE, KNOWLEDGE_FILE, RulesError, load_rules
from wakescope.parsers.batterystats.schema import WAKELOCKS
from wakescope.parsers.errors import InputError


def _write(tmp_path, text: str):
    path = tmp_path / "rules.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_rules_are_valid_and_sourced():
    rs = load_rules()
    ids = [r.id for r in rs.rules]
    assert len(ids) == len(set(ids))
    assert ids[-1] == "unknown"                      # last resort
    assert ids.index("system.uid") < ids.index("wakelock.app_own") < ids.index("unknown")
    for name, t in rs.thresholds.items():            # thresholds live in data with sources
        assert t["source"] and t["url"].startswith("https://"), name
        assert t.get("severity") or t.get("severity_by_class") or t.get("severity_by_policy"), name
    assert rs.thresholds["excessive_wakelock"]["value"] == 2.0
    assert rs.thresholds["stuck_wakelock"]["value"] == 1.0
    assert rs.thresholds["excessive_wakeups"]["value"] == 10.0
    assert rs.thresholds["excessive_wakeups"]["comparison"] == ">"
    for rid, r in rs.recommendations.items():
        assert r["doc_url"].startswith("https://") and r["source"], rid
    # every recommendation a rule or wording names exists
    for group in ("constraints", "stop_reasons", "alarm_policies"):
        for key, w in rs.wording[group].items():
            rec = w.get("recommendation")
            assert rec is None or rec in rs.recommendations, (group, key)


def test_user_rule_goes_first_and_wins(tmp_path):
    path = _write(tmp_path, """
        [[rule]]
        id = "mine.sdk"
        api = "work_manager"
        on = ["wakelock"]
        tag = '^MySdk:(?P<component>.+)$'
        """)
    rs = load_rules(path)
    assert rs.rules[0].id == "mine.sdk"
    assert str(path.resolve()) in rs.files
    wl = WAKELOCKS.frame([{"uid": 10123, "tag": "MySdk:Upload", "kind": "partial"}])
    out = attribute({"batterystats_wakelocks": wl}, rs)["batterystats_wakelocks"]
    assert out.select("api", "component", "rule").row(0) == ("work_manager", "Upload", "mine.sdk")
    # the shipped rules are untouched for everyone else
    assert load_rules().rules[0].id != "mine.sdk"


def test_user_rule_replaces_same_id_and_before(tmp_path):
    path = _write(tmp_path, """
        [[rule]]
        id = "fcm.delivery"
        api = "wakelock"
        on = ["wakelock"]
        tag = '^GOOGLE_C2DM$'

        [[rule]]
        id = "mine.before_unknown"
        api = "system"
        before = "unknown"
        """)
    rs = load_rules(path)
    shipped = [r.id for r in load_rules().rules]
    ids = [r.id for r in rs.rules]
    assert ids.index("fcm.delivery") == shipped.index("fcm.delivery")
    assert rs.rules[ids.index("fcm.delivery")].api == "wakelock"
    assert ids[-2:] == ["mine.before_unknown", "unknown"]


def test_user_thresholds_and_recommendations_merge(tmp_path):
    path = _write(tmp_path, """
        [thresholds.excessive_wakeups]
        value = 6.0
        severity = { high = 6.0 }
        source = "our fleet policy"

        [recommendations.reduce_wakeups]
        text = "Ask the platform team."
        """)
    rs = load_rules(path)
    t = rs.thresholds["excessive_wakeups"]
    assert (t["value"], t["source"], t["unit"]) == (6.0, "our fleet policy", "wakeups/h")
    assert rs.recommendations["reduce_wakeups"]["text"] == "Ask the platform team."
    assert rs.recommendations["reduce_wakeups"]["doc_url"].startswith("https://")


@pytest.mark.parametrize(("text", "message"), [
    ('[[rule]]\nid = "x"\napi = "teleport"\n', "api 'teleport' is not one of"),
    ('[[rule]]\nid = "x"\napi = "system"\ntag = "(?<=a)b"\n', "invalid regex"),
    ('[[rule]]\nid = "x"\napi = "system"\ncolour = "red"\n', "unknown key(s) ['colour']"),
    ('[[rule]]\napi = "system"\n', "needs a non-empty string `id`"),
    ('[[rule]]\nid = "x"\napi = "system"\non = ["radio"]\n', "unknown family 'radio'"),
    ('[[rule]]\nid = "x"\napi = "system"\nbefore = "nope"\n', "names no rule"),
    ('[[rule]]\nid = "x"\napi = "system"\nrecommendation = "nope"\n',
     "is not in [recommendations]"),
    ("[thresholds.new]\nvalue = 1\n", "unknown threshold [thresholds.new]"),
    # the silently ignored key of issue 11: no pass reads `min_period`
    ("[thresholds.excessive_wakelock]\nmin_period = 2\n",
     "[thresholds.excessive_wakelock] has unknown key(s) ['min_period'] that nothing reads"),
    # one meaning per key: sync_storm skips short periods, it does not scale them
    ("[thresholds.sync_storm]\nmin_period_h = 2\n", "unknown key(s) ['min_period_h']"),
    ("[thresholds.excessive_wakeups]\nvalue = \"ten\"\n", "needs `value` (number)"),
    ("[thresholds.excessive_wakeups]\nmin_period_h = \"1h\"\n", "`min_period_h` must be a number"),
    ("[thresholds.excessive_wakeups]\nseverity = { urgent = 3.0 }\n", "severity must map levels"),
    ("[thresholds.deferred_job]\nseverity_by_class = { policy = \"severe\" }\n",
     "severity_by_class values must be levels"),
    ("[wording.constraint]\nCHARGING = \"x\"\n", "unknown wording group [wording.constraint]"),
    ("[thresholds.sync_storm]\ncomparison = \"<\"\n", "comparison must be"),
    ("[uid_names]\nabc = \"x\"\n", "[uid_names] entry 'abc'"),
    ("rules = 3\n", "unknown top-level key(s) ['rules']"),
    ("[[rule]\n", "is not valid TOML"),
])
def test_invalid_user_rules_say_what_and_where(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(RulesError) as info:
        load_rules(path)
    assert message in str(info.value)
    assert "rules" in str(info.value) or str(path) in str(info.value)
    assert isinstance(info.value, InputError)   # the CLI prints it as one sentence


def test_user_parameter_takes_effect(tmp_path):
    """A known parameter set in a --rules file is the value the loader hands the passes."""
    path = _write(tmp_path, """
        [thresholds.excessive_wakelock]
        min_period_h = 2.5
        """)
    rs = load_rules(path)
    assert rs.thresholds["excessive_wakelock"]["min_period_h"] == 2.5
    assert rs.thresholds["excessive_wakelock"]["value"] == 2.0  # the rest stays shipped


def test_missing_rules_file(tmp_path):
    with pytest.raises(RulesError, match="does not exist"):
        load_rules(tmp_path / "absent.toml")


def test_shipped_files_parse_as_toml():
    for path in (APIS_FILE, KNOWLEDGE_FILE):
        with open(path, "rb") as fh:
            assert tomllib.load(fh)["version"] == 1


def test_threshold_keys_documented_and_read():
    """docs/knowledge.md lists every declared key, and every parameter is read by a pass."""
    import re

    from tests.conftest import ROOT
    from wakescope.analyzer.knowledge import THRESHOLD_KEYS, THRESHOLD_PARAMS

    doc = (ROOT / "docs" / "knowledge.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| `([a-z_0-9]+)` \| (?:number|str|dict|list|int) \|", doc, re.M)) \
        == set(THRESHOLD_KEYS)
    assert set(load_rules().thresholds) == set(THRESHOLD_PARAMS)
    passes = "".join(p.read_text(encoding="utf-8")
                     for p in (ROOT / "analyzer" / "passes").glob("*.py"))
    for params in THRESHOLD_PARAMS.values():
        for key in params:
            assert f'"{key}"' in passes, key


def test_shipped_rules_cache_holds_what_the_files_build(tmp_path, monkeypatch):
    """The shipped rules are validated once and pickled (issue 17): the cached RuleSet equals
    one built from the files; a stale or broken cache is built again; an edit to a file
    moves the digest; a folder that cannot be written still gives the rules."""
    from wakescope.analyzer import knowledge as k

    fresh = k._build(k._read(APIS_FILE), k._read(KNOWLEDGE_FILE), None, None,
                     k._read(k.SCOPE_FILE))
    (tmp_path / "rules-0123456789abcdef.pickle").write_bytes(b"an older digest's")
    built = k._shipped(tmp_path)
    digest = k._shipped_digest()
    [cached_file] = tmp_path.iterdir()                     # the older one is pruned
    assert cached_file.name == f"rules-{digest[:16]}.pickle"
    cached = k._shipped(tmp_path)
    assert built == fresh and cached == fresh and cached is not built
    assert [r.id for r in cached.rules] == [r.id for r in fresh.rules]
    assert cached.rules[-1].id == "unknown" and len(cached.rules) == len(fresh.rules)
    cached_file.write_bytes(b"not a pickle")              # broken: built again
    assert k._shipped(tmp_path) == fresh
    copy = tmp_path / "apis.toml"
    copy.write_bytes(APIS_FILE.read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(k, "APIS_FILE", copy)
    assert k._shipped_digest() != digest
    monkeypatch.undo()
    blocked = tmp_path / "a-file"          # a folder that cannot be made (even as root)
    blocked.write_text("")
    assert k._shipped(blocked / "_compiled") == fresh
