"""Attribution: tag every wakelock, job, alarm, sync and kernel row with the API behind it.

Each attributed table gains `api`, `component` and `rule` (analyzer.tables
ATTRIBUTION_COLUMNS) plus `owner_package`, the package the work belongs to (the tag's
package for `*job*/<pkg>/…`, alarm stats' package for a shared uid's alarm, else the uid's).

How (vectorised): every table's rows are reduced to a key (family, tag, service,
namespace, package, uid, app id, scheduler, user_initiated); the distinct keys of all
tables are classified once by the ordered rules (first match wins, one Polars expression
per rule), components are extracted per matched rule with `str.extract_groups`, and the
result is joined back to each table. Then two joins across the dumps refine it: a
`*job*/…` wakelock or battery job takes the API of its jobscheduler job row (WorkManager,
SyncManager, … recognised from the job's extras), and a uid-keyed wakeup alarm takes
alarm stats' package for the same uid and tag.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.knowledge import Rule, RuleSet
from wakescope.analyzer.plans import ENGINE, LONG_ENGINE
from wakescope.parsers.uid import PER_USER_RANGE

ATTR_COLS = ("api", "component", "rule", "owner_package")
KEY_COLS = ("family", "tag", "service", "namespace", "package", "uid", "app_id",
            "scheduler", "user_initiated")
_KEY_SCHEMA = {"family": pl.String, "tag": pl.String, "service": pl.String,
               "namespace": pl.String, "package": pl.String, "uid": pl.Int64,
               "app_id": pl.Int64, "scheduler": pl.String, "user_initiated": pl.Boolean}

# Prefixes stripped to make the default component (the tag's detail).
_PREFIX = r"^(?:\*job\*[eur]?/(?:#[^#]*#)?(?:@[^@]*@)?|\*sync\*/|\*walarm\*:|\*alarm\*:)"


_HISTORY_FAMILY = {"wake_lock": "wakelock", "longwake": "wakelock", "wake_lock_in": "wakelock",
                   "job": "job", "sync": "sync", "alarm": "alarm", "wake_reason": "kernel"}


def _col(df: pl.DataFrame, name: str, dtype=pl.String) -> pl.Expr:
    return pl.col(name).cast(dtype) if name in df.columns else pl.lit(None, dtype)


def _prefixed(expr: pl.Expr, prefix: str) -> pl.Expr:
    """`prefix + value` unless the value already starts with the prefix's `*…*` word."""
    word = prefix.split("/")[0]
    return (pl.when(expr.str.starts_with(word)).then(expr)
            .otherwise(pl.lit(prefix) + expr))


def _key_plan(name: str, df: pl.DataFrame) -> pl.LazyFrame | None:
    """Table → its key rows: family, tag, service, namespace, uid, row_package, scheduler,
    user_initiated, uid_keyed (None: the table is not attributed)."""
    S, I64 = pl.String, pl.Int64
    lf = df.lazy()
    uid, pkg, tag = _col(df, "uid", I64), _col(df, "package"), _col(df, "tag")
    fam: pl.Expr | None = None
    service = namespace = scheduler = pl.lit(None, S)
    user_init = pl.lit(None, pl.Boolean)
    uid_keyed = True
    if name == "batterystats_wakelocks":
        fam = pl.lit("wakelock")
    elif name == "batterystats_history":
        names = _col(df, "name")
        # The history family and raw tag are columns first: the expressions below read
        # them several times, and Polars' common-subexpression pass does not share them
        # (~2.5 ms a bug report, issue 17).
        lf = lf.with_columns(
            names.replace_strict(_HISTORY_FAMILY, default=None, return_dtype=S)
            .alias("_family"),
            pl.coalesce(tag, pl.when(names == "wake_reason").then(_col(df, "value")))
            .alias("_raw"))
        fam, raw = pl.col("_family"), pl.col("_raw")
        tag = (pl.when(fam == "job").then(_prefixed(raw, "*job*/"))
               .when(fam == "sync").then(_prefixed(raw, "*sync*/")).otherwise(raw))
        # The tag is null exactly where the raw tag is (a prefix keeps a value a value).
        fam = pl.when(raw.is_not_null() | (fam == "kernel")).then(fam)
    elif name in ("batterystats_jobs", "batterystats_job_completions"):
        fam, tag = pl.lit("job"), _prefixed(_col(df, "job"), "*job*/")
    elif name == "batterystats_syncs":
        fam, tag = pl.lit("sync"), _prefixed(_col(df, "sync"), "*sync*/")
    elif name == "batterystats_wakeup_alarms":
        fam = pl.lit("alarm")
    elif name == "batterystats_kernel_wakelocks":
        fam, tag, uid, pkg = pl.lit("kernel"), _col(df, "name"), pl.lit(None, I64), pl.lit(None, S)
    elif name == "batterystats_wakeup_reasons":
        fam, tag, uid, pkg = (pl.lit("kernel"), _col(df, "reason"), pl.lit(None, I64),
                              pl.lit(None, S))
    elif name == "batterystats_foreground_services":
        fam, tag = pl.lit("fgs"), pl.lit(None, S)
    elif name == "jobscheduler_jobs":
        fam = pl.lit("job")
        service = _col(df, "service")
        tag = pl.coalesce(tag, _prefixed(service, "*job*/"))
        namespace, scheduler = _col(df, "namespace"), _col(df, "scheduler")
        user_init = _col(df, "user_initiated", pl.Boolean)
        uid = pl.coalesce(_col(df, "source_uid", I64), uid)
        pkg = pl.coalesce(_col(df, "source_package"), pkg)
        uid_keyed = False
    elif name in ("jobscheduler_history", "jobscheduler_pending", "jobscheduler_active",
                  "jobscheduler_completed"):
        fam, tag, namespace = pl.lit("job"), _prefixed(tag, "*job*/"), _col(df, "namespace")
        uid_keyed = False
    elif name in ("alarm_pending", "alarm_stats", "alarm_top"):
        fam, uid_keyed = pl.lit("alarm"), False
    else:
        return None
    return lf.select(family=fam.cast(S), tag=tag.cast(S), service=service,
                     namespace=namespace, uid=uid, row_package=pkg, scheduler=scheduler,
                     user_initiated=user_init, uid_keyed=pl.lit(uid_keyed))


ATTRIBUTED_TABLES = (
    "batterystats_wakelocks", "batterystats_history", "batterystats_jobs",
    "batterystats_job_completions", "batterystats_syncs", "batterystats_wakeup_alarms",
    "batterystats_kernel_wakelocks", "batterystats_wakeup_reasons",
    "batterystats_foreground_services", "jobscheduler_jobs", "jobscheduler_history",
    "jobscheduler_pending", "jobscheduler_active", "jobscheduler_completed", "alarm_pending",
    "alarm_stats", "alarm_top",
)


def uid_names(tables: dict[str, pl.DataFrame], rules: RuleSet) -> pl.DataFrame:
    """app id → display package: uid_names for system ids, else the uid's owner: of the
    packages the capture maps to it (packages table: checkin `uid` lines, `Proc`/`Apk`
    lines; alarm stats; history pool strings such as `fg=`/`top=`/`+job=`), the one the
    capture names most often (ties: sorted first). `shared` marks app ids with several
    packages (a shared uid, e.g. 10018 = gms, gsf, backuptransport: one owner, one row)."""
    frames = []
    pk = tables.get("packages")
    if pk is not None and pk.height and "package" in pk.columns:
        app = (pl.col("app_id") if "app_id" in pk.columns
               else pl.col("uid") % PER_USER_RANGE).cast(pl.Int64)
        frames.append(pk.lazy().select(app.alias("app_id"), pl.col("package").cast(pl.String)))
    for name in ("alarm_stats", "alarm_top", "batterystats_history"):
        df = tables.get(name)
        if df is not None and df.height and {"uid", "package"} <= set(df.columns):
            frames.append(df.lazy().select((pl.col("uid") % PER_USER_RANGE).cast(pl.Int64)
                                           .alias("app_id"), pl.col("package").cast(pl.String)))
    if frames:  # the sources' pairs, counted, ranked, one row per app id
        seen = (pl.concat(frames).drop_nulls().group_by("app_id", "package").len()
                .sort(["app_id", "len", "package"], descending=[False, True, False]))
        pkgs = seen.group_by("app_id", maintain_order=True).agg(
            pl.col("package").first().alias("owner"), pl.col("package").sort().alias("packages"))
    else:
        pkgs = pl.LazyFrame(schema={"app_id": pl.Int64, "owner": pl.String,
                                    "packages": pl.List(pl.String)})
    fixed = pl.LazyFrame({"app_id": list(rules.uid_names), "fixed": list(rules.uid_names.values())},
                         schema={"app_id": pl.Int64, "fixed": pl.String})
    # One plan (a plan per step cost ~0.2 ms each, issue 17). The row order is the full
    # join's, arbitrary: readers look app ids up.
    return pkgs.join(fixed, on="app_id", how="full", coalesce=True).select(
        "app_id",
        pl.coalesce("fixed", "owner").alias("name"),
        (pl.col("packages").list.len().fill_null(0) > 1).alias("shared"),
        pl.col("packages").list.join(",").alias("packages"),
    ).collect(engine=ENGINE)


# From this many history rows on, keys are made per distinct source combination: below it
# the extra unique and join cost more than the per-row keys they save (sailfish 8.1: ~30k).
DISTINCT_KEYS_MIN_ROWS = 100_000

# What a history row's key is made of (`_key_plan`): its value only for a wake reason.
_HISTORY_SOURCES = ("name", "tag", "uid", "package")


def _history_sources(df: pl.DataFrame) -> pl.LazyFrame:
    """The columns a history row's attribution depends on (`_key_plan`), nothing more."""
    cols = [pl.col(c) for c in _HISTORY_SOURCES if c in df.columns]
    if "value" in df.columns and "name" in df.columns:
        cols.append(pl.when(pl.col("name") == "wake_reason").then(pl.col("value"))
                    .alias("value"))
    return df.lazy().select(cols)


def _keys(plans: list[pl.LazyFrame], names: pl.DataFrame) -> pl.DataFrame:
    """The key rows of every table (`_key_plan`s, concatenated in order) completed
    with app id and package in one plan: a plan per table cost ~1 ms each (issue 17)."""
    # uid-keyed batterystats rows: a system uid goes by its uid name (shared uid 1000 lists
    # many packages); package-keyed rows (alarm stats, jobs) keep the package they print.
    fixed_name = pl.col("app_id") < 10_000
    package = (pl.when(pl.col("uid_keyed") & fixed_name & pl.col("name").is_not_null())
               .then(pl.col("name"))
               .otherwise(pl.coalesce("row_package", "name")))
    # maintain_order: the keys are put back beside the tables' rows by position
    # (`attribute`'s horizontal concat); Polars' default join order is not guaranteed.
    return (pl.concat(plans, how="vertical_relaxed")
            .with_columns((pl.col("uid") % PER_USER_RANGE).alias("app_id"))
            .join(names.lazy().select("app_id", "name", "shared"), on="app_id", how="left",
                  maintain_order="left")
            .with_columns(package.alias("package"))
            .select([pl.col(c).cast(t) for c, t in _KEY_SCHEMA.items()])
            .collect(engine=ENGINE))


def _condition(rule: Rule, cols: set[str]) -> pl.Expr:
    conds: list[pl.Expr] = []
    if rule.on:
        conds.append(pl.col("family").is_in(list(rule.on)))
    for key in ("tag", "service", "namespace", "package"):
        pattern = getattr(rule, key)
        if pattern is not None:
            conds.append(pl.col(key).str.contains(pattern))
    if rule.app_id_min is not None:
        conds.append(pl.col("app_id") >= rule.app_id_min)
    if rule.app_id_max is not None:
        conds.append(pl.col("app_id") <= rule.app_id_max)
    for key, value in rule.columns:
        conds.append(pl.col(key) == value if key in cols else pl.lit(False))
    if not conds:
        return pl.lit(True)
    return pl.all_horizontal(conds).fill_null(False)


def _first_rule(rules: RuleSet, cols: frozenset[str]) -> pl.Expr:
    """The index of the first rule a key row matches (null: none), built once per rule set
    (building the 40-odd conditions costs ~3 ms a capture, issue 17)."""
    cache = rules.cache.setdefault("first_rule", {})
    if cols not in cache:
        cache[cols] = pl.coalesce([pl.when(_condition(r, set(cols))).then(pl.lit(i, pl.Int32))
                                   for i, r in enumerate(rules.rules)])
    return cache[cols]


def _coalesce_at(row: int, columns: list[list]) -> object:
    """The first non-null of `columns`' values at `row` (`pl.coalesce`, one row)."""
    for values in columns:
        if values[row] is not None:
            return values[row]
    return None


def _rule_columns(keys: pl.DataFrame, rules: RuleSet) -> list[pl.Series]:
    """api, component, rule and owner_package of `keys`, whose `_rule_idx` is the index of
    their first matching rule (null: none, api unknown).

    The matched rules' named groups are extracted in one plan, each pattern once over all
    the keys (Polars compiles a pattern again in every expression and plan that uses it,
    0.3-2 ms each, issue 17); each key then takes its own rule's values in Python: a few
    hundred keys, where a Polars branch per rule cost ~0.2 ms each."""
    idx = keys.get_column("_rule_idx").to_list()
    matched = sorted({i for i in idx if i is not None})
    # Without a component group the component is the tag without its prefix.
    exprs = [pl.col("tag").str.replace(_PREFIX, "").alias("_stripped"), "service", "package"]
    group_cols: dict[tuple[int, str], list[str]] = {}   # (rule, group) → extracted columns
    for i in matched:
        rule = rules.rules[i]
        for key in ("tag", "service"):
            groups = rule.groups(key)
            extracted = pl.col(key).str.extract_groups(getattr(rule, key)) if groups else None
            for group in ("component", "package"):
                names = group_cols.setdefault((i, group), [])
                if group in groups:
                    names.append(f"_{group}{i}_{key}")
                    exprs.append(extracted.struct.field(group).alias(names[-1]))
    values = {c.name: c.to_list() for c in keys.select(exprs).iter_columns()}
    stripped, service, package = values["_stripped"], values["service"], values["package"]
    comps = {i: [values[c] for c in group_cols[i, "component"]] for i in matched}
    owners = {i: [*(values[c] for c in group_cols[i, "package"]), package] for i in matched}
    api, component, rule_id, owner = [], [], [], []
    for row, i in enumerate(idx):
        if i is None:
            api.append("unknown")
            component.append(stripped[row])
            rule_id.append(None)
            owner.append(package[row])
            continue
        rule = rules.rules[i]
        api.append(rule.api)
        comp = _coalesce_at(row, comps[i])
        if comp is None:
            comp = rule.component or _coalesce_at(row, [stripped, service])
        component.append(comp)
        rule_id.append(rule.id)
        owner.append(_coalesce_at(row, owners[i]))
    return [pl.Series(name, v, dtype=pl.String) for name, v in
            (("api", api), ("component", component), ("rule", rule_id),
             ("owner_package", owner))]


def classify(keys: pl.DataFrame, rules: RuleSet) -> pl.DataFrame:
    """Distinct keys → keys + `_rule_idx` + api, component, rule, owner_package (first
    matching rule): the rules' conditions in one plan, then the matched rules' groups
    (`_rule_columns`)."""
    first = _first_rule(rules, frozenset(keys.columns))
    keys = (keys.lazy().filter(pl.col("family").is_not_null()).unique()
            .with_columns(first.alias("_rule_idx")).collect(engine=ENGINE))
    return keys.hstack(_rule_columns(keys, rules))


def _refine_jobs(tables: dict[str, pl.DataFrame]) -> None:
    """A `*job*/…` wakelock / battery job is the same work as its jobscheduler job row:
    take that row's API when the job row knows more (WorkManager, SyncManager, UIDT)."""
    jobs = tables.get("jobscheduler_jobs")
    if jobs is None or jobs.is_empty() or "api" not in jobs.columns:
        return
    uid = pl.coalesce(_col(jobs, "source_uid", pl.Int64), _col(jobs, "uid", pl.Int64))
    known = (jobs.lazy().filter(pl.col("api").is_in(["work_manager", "sync_adapter",
                                                     "user_initiated_transfer", "gms_scheduler"]))
             .select(_strip_job_id(pl.col("tag")).alias("_jtag"), uid.alias("_juid"),
                     pl.col("api").alias("_japi"), pl.col("rule").alias("_jrule"))
             .drop_nulls(["_jtag"]).unique(subset=["_jtag", "_juid"], keep="first")
             .collect(engine=ENGINE))
    if known.is_empty():
        return
    for name, tag_expr in (("batterystats_wakelocks", pl.col("tag")),
                           ("batterystats_history", pl.col("tag")),
                           ("batterystats_jobs", _prefixed(pl.col("job"), "*job*/")),
                           ("batterystats_job_completions", _prefixed(pl.col("job"), "*job*/"))):
        df = tables.get(name)
        if df is None or df.is_empty() or "api" not in df.columns:
            continue
        if name == "batterystats_history":
            tag_expr = (pl.when(pl.col("name") == "job").then(_prefixed(pl.col("tag"), "*job*/"))
                        .otherwise(pl.col("tag")))
        # Only rows still `job_scheduler` can take a job row's API: those are joined (`known`
        # has one row per key), and the hits written back by position; the table's other
        # rows and columns are not copied (issue 19 item 8).
        hits = (df.lazy().with_row_index("_r").filter(pl.col("api") == "job_scheduler")
                .select("_r", _strip_job_id(tag_expr).alias("_jtag"), pl.col("uid").alias("_juid"))
                .join(known.lazy(), on=["_jtag", "_juid"], how="inner")
                .select("_r", "_japi", (pl.lit("join:jobscheduler_jobs/") + pl.col("_jrule"))
                        .alias("_jrule"))
                .collect(engine=ENGINE))
        if hits.height:
            rows = hits.get_column("_r")
            tables[name] = df.with_columns(
                df.get_column("api").scatter(rows, hits.get_column("_japi")),
                df.get_column("rule").scatter(rows, hits.get_column("_jrule")))


def _strip_job_id(tag: pl.Expr) -> pl.Expr:
    """14+ jobscheduler prints `tag=*job*/<name>#<jobId>`, while the wakelock the job holds
    is `*job*/<name>` (JobServiceContext uses getWakelockTag()): join on the name alone."""
    return tag.str.replace(r"#-?\d+$", "")


def _refine_alarm_packages(tables: dict[str, pl.DataFrame]) -> None:
    """A uid-keyed wakeup alarm (`*walarm*:` tag) takes alarm stats' package for that uid
    and tag (shared uid 1000 holds android, networkstack, … each with its own alarms)."""
    stats = tables.get("alarm_stats")
    if stats is None or stats.is_empty():
        return
    pk = (stats.lazy().select(pl.col("uid").cast(pl.Int64).alias("_auid"),
                              pl.col("tag").alias("_atag"), pl.col("package").alias("_apkg"))
          .drop_nulls().unique()
          .filter(pl.len().over("_auid", "_atag") == 1).collect(engine=ENGINE))
    for name in ("batterystats_wakeup_alarms", "batterystats_history", "batterystats_wakelocks"):
        df = tables.get(name)
        if df is None or df.is_empty() or "owner_package" not in df.columns:
            continue
        # The rows with an alarm stats package (one pk row per key), written back by
        # position: the table is not copied; only rows with one of alarm stats' tags are
        # joined, not every row's keys (issue 19 item 8).
        hits = (df.lazy().with_row_index("_r").select("_r", "uid", "tag")
                .filter(pl.col("tag").is_in(pk.get_column("_atag").implode()))
                .join(pk.lazy(), left_on=["uid", "tag"], right_on=["_auid", "_atag"],
                      how="inner")
                .select("_r", "_apkg").collect(engine=ENGINE))
        if hits.height:
            tables[name] = df.with_columns(df.get_column("owner_package").scatter(
                hits.get_column("_r"), hits.get_column("_apkg")))


def attribute(tables: dict[str, pl.DataFrame], rules: RuleSet,
              names: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """A copy of `tables` whose attributable tables carry api/component/rule/owner_package
    (`names`: `uid_names(tables, rules)` when the caller has it already)."""
    out = dict(tables)
    if names is None:
        names = uid_names(tables, rules)
    plans: list[pl.LazyFrame] = []
    heights: dict[str, int] = {}   # table → its key rows, in `plans` order
    distinct: dict[str, pl.DataFrame] = {}
    for name in ATTRIBUTED_TABLES:
        df = tables.get(name)
        if df is None or df.is_empty():
            continue
        if name == "batterystats_history" and df.height > DISTINCT_KEYS_MIN_ROWS:
            # A long history's rows repeat a few keys (one row per record): the keys are
            # made for its distinct source combinations and joined back (issue 19 item 8).
            df = distinct[name] = (_history_sources(df).unique(maintain_order=True)
                                   .collect(engine=LONG_ENGINE))
        plan = _key_plan(name, df)
        if plan is not None:
            plans.append(plan)
            heights[name] = df.height
    if not plans:
        return out
    keys = _keys(plans, names)
    classified = classify(keys, rules)
    # One row per key row, in order: each table takes its slice.
    attrs_all = (keys.lazy().join(classified.lazy(), on=list(KEY_COLS), how="left",
                                  nulls_equal=True, maintain_order="left")
                 .select(ATTR_COLS).collect(engine=ENGINE))
    del keys
    at = 0
    for name, n in heights.items():
        attrs, at = attrs_all.slice(at, n), at + n
        df = tables[name]
        if any(c in df.columns for c in ATTR_COLS):
            df = df.drop([c for c in ATTR_COLS if c in df.columns])
        if name in distinct:
            # Each row's source combination by its position among the distinct ones, then
            # the attributes gathered: the join yields one index column, not every row's
            # keys and attributes (issue 19 item 8).
            src = distinct[name]
            pos = (_history_sources(df)
                   .join(src.lazy().with_row_index("_k"), on=src.columns, how="left",
                         nulls_equal=True, maintain_order="left")
                   .select("_k").collect(engine=LONG_ENGINE).to_series())
            attrs = attrs.select(pl.all().gather(pos))
        out[name] = pl.concat([df, attrs], how="horizontal")
    _refine_jobs(out)
    _refine_alarm_packages(out)
    return out


def _share(attributed: float, total: float) -> dict:
    return {"attributed": attributed, "total": total,
            "share": (attributed / total) if total else None}


def _by_api(df: pl.DataFrame, col: str, where: pl.Expr | None = None
            ) -> tuple[int, int, dict]:
    """(total, named, per-API sums) of `col` over the rows `where` holds, in one plan: the
    total and the named part (an API other than unknown) are sums of the per-API sums.
    Ties by name: group_by order is not stable, and the same input must give the same
    output (xiaomi-miro-android15: job_scheduler and widget both 0)."""
    lf = df.lazy() if where is None else df.lazy().filter(where)
    rows = (lf.group_by("api").agg(pl.col(col).sum())
            .sort([col, "api"], descending=[True, False]).collect(engine=ENGINE).rows())
    total = int(sum(v for _, v in rows))
    named = int(sum(v for api, v in rows if api is not None and api != "unknown"))
    return total, named, dict(rows)


def coverage(tables: dict[str, pl.DataFrame]) -> dict:
    """How much partial-wakelock time and how many wakeup alarms got a named API."""
    out: dict = {}
    wl = tables.get("batterystats_wakelocks")
    if wl is not None and "api" in wl.columns:
        total, named, by_api = _by_api(wl, "total_ms", pl.col("kind") == "partial")
        out["partial_wakelock_ms"] = _share(named, total)
        out["partial_wakelock_ms"]["by_api"] = by_api
    for key, name, col in (("wakeup_alarms", "batterystats_wakeup_alarms", "count"),
                           ("alarm_stats_wakeups", "alarm_stats", "wakeups")):
        df = tables.get(name)
        if df is None or "api" not in df.columns:
            continue
        total, named, by_api = _by_api(df, col)
        out[key] = _share(named, total)
        out[key]["by_api"] = by_api
    if "alarm_stats_wakeups" in out and (
            "wakeup_alarms" not in out or not out["wakeup_alarms"]["total"]):
        out["wakeup_alarms"] = {**out["alarm_stats_wakeups"], "source": "alarm_stats"}
    elif "wakeup_alarms" in out:
        out["wakeup_alarms"]["source"] = "batterystats_wakeup_alarms"
    return out
