"""The Markdown summary for tickets: at most 60 lines that paste cleanly into GitHub or Jira
(device, period, top findings, top apps). Input strings are escaped: a pasted report must
not inject markup into the ticket."""

from __future__ import annotations

import re
from typing import Any

from wakescope.analyzer.format import plain
from wakescope.analyzer.model import Analysis
from wakescope.analyzer.report import facts
from wakescope.analyzer.report.facts import fmt_ms, fmt_num, fmt_value

MAX_LINES = 60
TOP_FINDINGS = 8
TOP_APPS = 6

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|!~])")


def md(text: Any, limit: int = 80) -> str:
    """Plain text for a Markdown table cell: specials backslash-escaped, `<>&` as entities."""
    s = plain(" ".join(str(text).split()))
    if len(s) > limit:  # never mid-word: back to the last space
        cut = s[: limit - 1]
        s = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def code(text: Any, limit: int = 60) -> str:
    """A code span for package names and file names: backticks, pipes and angle brackets
    (never part of a real package name) neutralised so no renderer sees markup."""
    s = plain(" ".join(str(text).split())).replace("`", "'").replace("<", "‹").replace(">", "›")
    if len(s) > limit:
        s = "…" + s[-(limit - 1):]
    return f"`{s.replace('|', '¦')}`"


def _api(api: str | None) -> str:
    from wakescope.analyzer.report.charts import api_label

    return api_label(api) if api else "—"


def _energy_lines(energy: dict | None) -> list[str]:
    """The headline and the budget in two lines (docs/energy.md)."""
    if not energy or not energy.get("headline"):
        return []
    out = [f"> **{md(energy['headline'], 240)}**", ""]
    if energy.get("total_mah"):
        parts = ", ".join(f"{md(c['name'])} {c['mah']:.1f} ({c['share'] * 100:.0f} %)"
                          for c in energy["components"]
                          if abs(c["mah"]) >= 0.05 or c["name"] in ("apps", "unaccounted"))
        out.append(f"**Where it went** ({energy['total_mah']:.0f} mAh, "
                   f"{md(energy.get('source_words') or energy.get('source'))}): {parts}  ")
        apps = []
        for a in energy.get("apps", [])[:3]:
            apis = ", ".join(f"{md(k)} {v:.1f}" for k, v in list(a["by_api"].items())[:3])
            apps.append(f"{code(a['package'] or a['uid'])} {a['mah']:.1f} ({apis})")
        if apps:
            out.append("**Top apps, mAh by API** " + " · ".join(apps))
        out.append("")
    return out


def render_markdown(analysis: Analysis) -> str:
    h = facts.header(analysis)
    out: list[str] = [f"### Battery report: {md(h.device)}", ""]
    rel = f"Android {md(h.release)}" if h.release else "Android (release unknown)"
    if h.sdk:
        rel += f" (API {h.sdk})"
    line = f"**{rel}**"
    if h.build:
        line += f" · build {code(h.build)}"
    if h.capture_local:
        line += f" · captured {md(h.capture_local)}" + (f" {h.utc_offset}" if h.utc_offset else "")
    out.append(line + "  ")
    battery = "—"
    if h.battery_words:
        battery = md(h.battery_words)
    elif h.drop_pct is not None:
        battery = f"{h.drop_pct} % used"
        if h.start_level is not None and h.end_level is not None:
            battery += f" (level {h.start_level}% → {h.end_level}%)"
    on = f"{h.screen_on_rate:.1f} %/h" if h.screen_on_rate is not None else "—"
    off = f"{h.screen_off_rate:.1f} %/h" if h.screen_off_rate is not None else "—"
    out.append(f"**Stats period** {fmt_ms(h.period_ms)} · **battery** {battery} · "
               f"**drain** screen on {on}, screen off {off}  ")
    c = h.severity_counts
    out.append(f"**Findings** {c['high']} high · {c['medium']} medium · {c['low']} low · "
               f"{c['info']} info")
    out.append("")
    caveats = facts.caveats(analysis)
    if caveats:
        out += [f"> **Caveat** `{cv['code']}`: {md(cv['message'], 240)}  " for cv in caveats]
        out.append("")
    out += _energy_lines(analysis.energy)

    findings = facts.sorted_findings(analysis)
    serious = findings.filter(findings["severity"] != "info") if findings.height else findings
    if serious.height:
        # One item per finding, whole sentences: what, the figure and its basis (window,
        # scaling), and the change to make right beside it.
        out += ["#### Top findings", ""]
        for n, r in enumerate(serious.head(TOP_FINDINGS).iter_rows(named=True), 1):
            thr = ""
            if r.get("threshold") is not None:
                thr = f" against a bar of {fmt_value(r['threshold'], r.get('unit'))}"
            who = " (platform)" if r.get("who") == "platform" else ""
            out.append(
                f"{n}. **{md((r.get('severity') or '').upper())}** "
                f"{code(facts.app_label(r.get('package'), r.get('uid')))}{who} · "
                f"{_api(r.get('api'))} · {md(r.get('title') or r.get('kind') or '', 200)}  ")
            out.append(f"   Measured {md(fmt_value(r.get('value'), r.get('unit')))}{thr}. "
                       f"Basis: {md(r.get('basis') or '—', 300)}.  ")
            if r.get("recommendation"):
                link = (r.get("doc_url") or "").strip()
                for ch, enc in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"),
                                 (">", "%3E"), ("`", "%60")):
                    link = link.replace(ch, enc)
                link = f" ([docs]({link}))" if link.startswith(("https://", "http://")) else ""
                out.append(f"   Change: {md(r['recommendation'], 400)}{link}")
        if serious.height > TOP_FINDINGS:
            out.append(f"\n_…and {serious.height - TOP_FINDINGS} more in the HTML/JSON report._")
    elif facts.blind_reasons(analysis):
        out.append("**No findings, and no all-clear**: the checks had too little to look at "
                   "(see the caveats above).")
    else:
        out.append("**No findings**: nothing in this input crossed a threshold.")
    out.append("")

    apps = facts.sorted_apps(analysis)
    if apps.height:
        out += ["#### Top apps", "",
                "| App | Worst | Partial wakelock /24 h | Wakeups/h | Jobs run | Deferred | "
                "Power |", "|---|---|---|---|---|---|---|"]
        for r in apps.head(TOP_APPS).iter_rows(named=True):
            share = r.get("power_share")
            power = "—" if share is None else f"{100 * share:.1f} %"
            out.append(
                f"| {code(facts.app_label(r.get('package'), r.get('uid')))} "
                f"| {md(r.get('worst_severity') or '—')} "
                f"| {fmt_ms(r.get('partial_wakelock_ms_per_24h'))} "
                f"| {fmt_num(r.get('wakeups_per_hour'))} | {fmt_num(r.get('jobs_run'))} "
                f"| {fmt_num(r.get('jobs_deferred'))} | {power} |")
        out.append("")
    out += _wakeups(analysis)
    src = f" from {code(h.source, 70)}" if h.source else ""
    from wakescope import __version__

    footer = f"_wakescope {__version__}{src}; full detail in the HTML report._"
    out = "\n".join(out).split("\n")  # an item may hold several lines
    if len(out) > MAX_LINES - 1:  # never longer than a ticket comment should be; the
        # footer (which input, which version) always stays
        out = [*out[: MAX_LINES - 2], "_(summary truncated)_"]
    return "\n".join([*out, footer]) + "\n"


def _wakeups(analysis: Analysis) -> list[str]:
    """"What woke the device": the summary line and the top wakeup causes."""
    from wakescope.analyzer.report.wakeup_view import wakeup_view

    try:
        w = wakeup_view(analysis)
    except Exception:  # the summary is still worth having without this part
        return []
    if not w["present"] or not w["tables"] or not w["tables"][0].rows:
        return []
    out = ["#### What woke the device", "", md(w["summary"][0], 240), "",
           "| App | API | Cause | Wakeups | Screen-off /h | Awake |", "|---|---|---|---|---|---|"]
    for row in w["tables"][0].rows[:TOP_APPS]:
        app, api, cause, _tag, _reason, n, rate, _hour, awake, _share = row
        out.append(f"| {code(app.text)} | {md(api.text)} | {md(cause.text)} | {md(n.text)} "
                   f"| {md(rate.text)} | {md(awake.text)} |")
    return [*out, ""]
