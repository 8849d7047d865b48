"""The report's "What woke the device" section and the timeline drawn from
history_intervals (display wakelock, unnamed holders, wakeup-cause lane)."""

from __future__ import annotations

import html
import re

from tests.conftest import BUGREPORTS, ROOT, corpus_path
from wakescope import parsers
from wakescope.analyzer.analysis import analyse
from wakescope.analyzer.report import charts, intervals
from wakescope.analyzer.report.html import render_html
from wakescope.analyzer.report.markdown import render_markdown

FULL_WAKE = ROOT / "tests" / "data" / "history" / "full-wake-history-checkin.txt"


def section_text(page: str, sid: str) -> str:
    start = page.index(f'<section id="{sid}">')
    end = page.index("</section>", start)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page[start:end])))


def test_timeline_lanes_from_history_intervals():
    tl = intervals.build(analyse(parsers.load(FULL_WAKE)))
    assert tl.lanes == ["Screen on", "Doze", "CPU awake", "Wakeups · cause",
                        "wakelock · screen / display", "wakelock · com.example",
                        "wakelock · com.other", "wakelock · first holder unknown",
                        "job · com.example"]
    display = tl.lanes.index("wakelock · screen / display")
    # The display's wakelock lane, and its wakeup at 400000 on the cause lane.
    assert [s[0] for s in tl.segments["display"]] == [tl.lanes.index("Wakeups · cause"),
                                                      display]
    spec = charts.timeline_spec(tl)
    colours = {t["name"]: t["color"] for t in spec["traces"]}
    assert colours["Screen / display"] == "#94a3b8"  # neutral grey, not the app-wakelock red
    wake_lane = tl.lanes.index("Wakeups · cause")
    wake_texts = [tl.texts[t] for lane, _, _, t in tl.segments["alarm_manager"]
                  if lane == wake_lane]
    assert wake_texts == ["wakeup: rtc_alarm (200:qcom,smd-rpm:222:qpnp_rtc_alarm)\n"
                          "→ alarm *walarm*:com.other.POLL · com.other\nCPU awake 600 ms"]
    # The unmatched +Ewl at 120000 says how it was closed.
    texts = [tl.texts[t] for *_, t in tl.segments["wakelock"]]
    assert any(t.endswith("no release recorded: closed at the wakelock state drop")
               for t in texts)


def test_what_woke_the_device_sailfish_8_1():
    a = analyse(parsers.load(corpus_path(BUGREPORTS["sailfish_8_1"])))
    page = render_html(a)
    # The header's capture time names its zone (getprop persist.sys.timezone).
    assert "captured 2018-04-02 17:06:30 UTC-07:00 (America/Los_Angeles)" in page
    text = section_text(page, "wakeups")
    # 260 `+running` lines in the human form of this history, the first being the reset
    # record's state; one (+6h35m29s474ms) also has `+screen`; screen off on battery 9h 34m
    # (batterystats_summary: 34,475,819 ms).
    assert ("259 wakeups in the battery history, 258 with the screen off (26.9 an hour over "
            "9h 34m of screen-off time on battery)") in text
    assert ("com.google.android.gms AlarmManager alarm "
            "*walarm*:com.google.android.gms.gcm.HEARTBEAT_ALARM rtc_alarm 15 1.57") in text
    assert "Busiest hour (America/Los_Angeles)" in text
    # Jobs (24 of 25 uids compared; 3 have every job name left out) and syncs (7 of 7).
    # Gmail's Exchange and gmail-ls jobs are left out: `Job Completions` count 32 and 5
    # finishes on battery, the history 23 and 4 `-job` (test_history_intervals has the
    # raw lines); its other three job services agree (13,542 ms against 13,503 ms).
    assert "31 of 32 app × kind figures" in text
    assert "For 4 of them some job names are left out" in text
    assert "job com.google.android.gm 13.5 s 13.5 s +39 ms (+0%)" in text
    assert "32 finishes on battery in Job Completions, 23 -job on battery" in text
    md = render_markdown(a)
    assert "#### What woke the device" in md
    assert "| `bluetooth` | Bluetooth | wakelock | 36 | 3.76 | 2m 07s |" in md
