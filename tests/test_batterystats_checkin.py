"""Checkin parser on small hand-written snippets: shapes the corpus lacks (14–16) and edges."""

from __future__ import annotations

import polars as pl

from wakescope.parsers.batterystats import checkin
from wakescope.parsers.clock import Clock
from wakescope.parsers.section_input import SectionInput

V36_16 = '''\
9,0,i,vers,36,220,BP1A.250305.019,BP1A.250305.019
9,hsp,0,10123,"*job*/com.example/.SyncService#1001"
9,hsp,1,10123,"com.example/.SyncService"
9,hsp,2,0,"Abort:Pending \\"quoted\\" \\\\ wakeup"
9,h,0:RESET:TIME:1714550412000
9,h,0,Bl=100,Bs=d,Bh=g,Bp=n,Bt=280,Bv=4302,Bcc=4100,+r,+S,Pst=in,Pcn=lte,Pss=4,Sb=1,Wsp=compl
9,h,1234,+w=0,+Ejb=1
9,h,1000,+Ejb=u0a124:"com.other/.Job, with comma",w=1000:"say ""hi"""
9,h,0,XB,3,0,low
9,h,0,XB,3,1,mid
9,h,0,XB,3,2,high
9,h,500,Bl=99,-w,wr=2,XE,CPU/0=1200,DISPLAY=300
9,h,0,XC,10123,10,20,30
9,h,0,Dcpu=84860:133600
9,h,0,Dpst=88580,117730,1710,11900,10240,9315010,SubsystemPowerState subsystem_0 name=AoC
9,h,-20,-Ejb=1,Elw=u0a123:"tag",Ev25=1
9,h,5
9,h,-91:TIME:1714550500000
9,h,3,+Esc=u0a123:"gnss",nrs=3,Bp=d
9,0,i,uid,10123,com.example
9,0,i,uid,10124,com.other
9,0,i,uid,1000,com.android.settings
9,0,i,uid,1000,android
9,0,l,bt,0,18123456,3601234,18123456,3601234,1714550412000,15000000,3000000,4500,4321000,4500000,300000
9,0,l,dc,5,6,1,5,250,200,0,0,10,20
9,10123,l,wl,*alarm*,0,f,0,0,0,0,1002,p,96,0,102,1100,0,bp,0,0,0,0,0,w,0,0,0,0
9,1010123,l,wl,Tag_with_underscore,0,f,0,0,0,0,7,p,2,3,5,9,2,bp,2,0,5,9,0,w,0,0,0,0
9,10123,l,jb,"com.example/.SyncService",299000,12,60000,3
9,10123,l,jbc,"com.example/.SyncService",0,1,0,0,0,0,0,0,0,0,0,11,0,0,2
9,10123,l,jbc,"weird, "name"",1,0,0,0,0,0,0,0,0,0,0,0,0,0,0
9,10123,l,sy,"com.example.provider/com.example/me@example.com",1000,2,500,1
9,10123,l,wua,*walarm*:com.example.action.SYNC,96
9,10123,l,apk,96,com.example,com.example.SyncService,60000,12,12
9,10123,l,zzz,1,2,3
9,10123,l,fgs,1000,2,7
garbage line
'''


def run(text: str, **kw) -> tuple[dict[str, pl.DataFrame], SectionInput]:
    inp = SectionInput.from_text("batterystats_checkin", text.rstrip("\n"), **kw)
    return checkin.parse(inp), inp


def history(text: str = V36_16, **kw) -> pl.DataFrame:
    return run(text, **kw)[0]["batterystats_history"]


def test_history_offsets_markers_and_levels():
    h = history()
    assert h["seq"].max() == 8  # 9 records; XB / XC / Dcpu / Dpst lines are not records
    first = h.row(0, named=True)
    assert (first["kind"], first["name"], first["value"]) == ("marker", "reset",
                                                               "1714550412000")
    assert str(first["time"]) == "2024-05-01 08:00:12+00:00"
    by_seq = dict(h.group_by("seq").agg(pl.col("offset_ms").first()).rows())
    # signed deltas summed; record 6 (`9,h,5`) has no items, so no rows
    assert by_seq == {0: 0, 1: 0, 2: 1234, 3: 2234, 4: 2734, 5: 2714, 7: 2628, 8: 2631}
    assert h.filter(pl.col("name") == "time")["offset_ms"].to_list() == [2628]
    # after the TIME anchor, UTC comes from it (offset 2631 = TIME + 3 ms)
    last = h.filter(pl.col("seq") == h["seq"].max()).row(0, named=True)
    assert str(last["time"]) == "2024-05-01 08:01:40.003000+00:00"
    assert h.filter(pl.col("seq").is_between(1, 3))["battery_level"].unique().to_list() == [100]
    assert h.filter(pl.col("seq") >= 4)["battery_level"].unique().to_list() == [99]


def test_history_codes_to_long_names_and_values():
    h = history()
    rows = {(r["kind"], r["name"]): r for r in h.iter_rows(named=True) if r["seq"] == 1}
    assert rows[("battery", "status")]["value"] == "discharging"
    assert rows[("battery", "health")]["value"] == "good"
    assert rows[("battery", "plug")]["value"] == "none"
    assert rows[("battery", "temp")]["value"] == "280"
    assert rows[("state", "running")]["transition"] == "start"
    assert rows[("state", "screen")]["transition"] == "start"
    assert rows[("value", "phone_signal_strength")]["value"] == "great"
    assert rows[("value", "brightness")]["value"] == "dim"
    assert rows[("value", "wifi_suppl")]["value"] == "completed"
    assert rows[("value", "data_conn")]["value"] == "lte"
    v16 = h.filter(pl.col("seq") == 8)
    assert v16.filter(pl.col("name") == "nr_state")["value"].to_list() == ["connected"]
    assert v16.filter(pl.col("name") == "plug")["value"].to_list() == ["dock"]


def test_history_pool_and_inline_strings():
    h = history()
    wl = h.filter(pl.col("kind") == "wakelock").select("transition", "tag", "uid", "package")
    assert wl.rows() == [
        ("start", "*job*/com.example/.SyncService#1001", 10123, "com.example"),
        ("set", 'say "hi"', 1000, "android"),     # 16 inline, doubled quotes undone
        ("stop", None, None, None),
    ]
    jobs = h.filter(pl.col("name") == "job").select("transition", "tag", "uid")
    assert jobs.rows() == [("start", "com.example/.SyncService", 10123),
                           ("start", "com.other/.Job, with comma", 10124),
                           ("stop", "com.example/.SyncService", 10123)]
    wr = h.filter(pl.col("kind") == "wake_reason").row(0, named=True)
    assert wr["tag"] == 'Abort:Pending "quoted" \\ wakeup' and wr["uid"] == 0
    assert h.filter(pl.col("name") == "longwake")["transition"].to_list() == ["instant"]
    assert h.filter(pl.col("name") == "event25")["kind"].to_list() == ["event"]
    state = h.filter(pl.col("name") == "state").row(0, named=True)  # 16 `Esc`
    assert (state["transition"], state["tag"], state["uid"]) == ("start", "gnss", 10123)


def test_history_extensions_xe_xc():
    h = history()
    energy = h.filter(pl.col("kind") == "energy").select("seq", "name", "value")
    assert energy.rows() == [(4, "CPU/0", "1200"), (4, "DISPLAY", "300")]
    cpu = h.filter(pl.col("kind") == "cpu").select("seq", "uid", "value", "package")
    assert cpu.rows() == [(4, 10123, "10,20,30", "com.example")]


def test_history_local_and_elapsed_from_clock():
    clock = Clock(anchor_elapsed_ms=100_000, anchor_utc_ms=1714550412000 + 50_000,
                  source="test", utc_offset_min=120)
    h = history(clock=clock)
    first = h.row(0, named=True)
    assert first["elapsed_ms"] == 50_000
    assert str(first["local_time"]) == "2024-05-01 10:00:12"
    summary = run(V36_16, clock=clock)[0]["batterystats_summary"].row(0, named=True)
    assert str(summary["start_local"]) == "2024-05-01 10:00:12"


def test_aggregates_v36_16():
    t, _ = run(V36_16)
    wl = t["batterystats_wakelocks"]
    assert wl.select("uid", "user_id", "package", "tag", "kind", "total_ms", "count", "max_ms",
                     "actual_ms", "current_ms").rows() == [
        (10123, 0, "com.example", "*alarm*", "partial", 1002, 96, 102, 1100, 0),
        (1010123, 10, "com.example", "Tag_with_underscore", "partial", 7, 2, 5, 9, 3),
        (1010123, 10, "com.example", "Tag_with_underscore", "background_partial", 2, 2, 5, 9,
         0),
    ]
    jb = t["batterystats_jobs"].row(0, named=True)
    assert (jb["job"], jb["total_ms"], jb["count"], jb["background_ms"],
            jb["background_count"]) == ("com.example/.SyncService", 299000, 12, 60000, 3)
    jbc = t["batterystats_job_completions"].select("job", "reason", "reason_code", "count")
    # 15 counts = Android 16: -1, 0–13.
    assert jbc.rows() == [
        ("com.example/.SyncService", "canceled", 0, 1),
        ("com.example/.SyncService", "successful_finish", 10, 11),
        ("com.example/.SyncService", "timeout_abandoned", 13, 2),
        ('weird, "name"', "unknown", -1, 1),
    ]
    sy = t["batterystats_syncs"].row(0, named=True)
    assert (sy["sync"], sy["authority"], sy["background_count"]) == (
        "com.example.provider/com.example/<account>", "com.example.provider", 1)
    assert t["batterystats_wakeup_alarms"].rows()[0][3:5] == (
        "*walarm*:com.example.action.SYNC", 96)
    summary = t["batterystats_summary"].row(0, named=True)
    assert (summary["start_level"], summary["end_level"], summary["screen_doze_ms"],
            summary["discharge_pct"], summary["discharge_mah"]) == (100, 99, 300000, 6, 250.0)
    pk = t["packages"].select("uid", "package", "source").rows()
    assert (1010123, "com.example", "checkin uid") in pk
    assert (10123, "com.example", "checkin uid") in pk


def test_unknown_lines_and_extra_fields_are_diagnostics():
    _, inp = run(V36_16)
    d = inp.diagnostics
    assert d.lines_seen["batterystats_checkin"] == len(V36_16.rstrip("\n").split("\n"))
    assert d.unknown_total("batterystats_checkin") == 2  # `zzz` record and the garbage line
    notes = [x.message for x in d.items if "`fgs`" in x.message]
    assert notes and "3 fields" in notes[0]


def test_no_redaction_when_asked():
    t, _ = run(V36_16, redact=False)
    assert t["batterystats_syncs"]["sync"].to_list() == [
        "com.example.provider/com.example/me@example.com"]


V19 = """\
9,0,i,vers,19,150,NMF26O,NMF26O
9,0,i,uid,1000,android
9,1000,l,wl,WifiSuspend,0,f,0,-1,-1,25,p,3,0,12,0,w,0,-1,-1
9,0,l,kwl,ccci_ioctl2 ,5,1,-1,-1
9,0,l,bt,0,0,0,7987026,7987026,1525948663560,0,0,3000
"""

V15 = """\
9,0,i,vers,15,132,MMB29M,MMB29M
9,1000,l,wl,ActivityManager-Sleep,0,f,0,492,p,11,0,w,0
9,1000,l,jb,android/com.android.server.backup.KeyValueBackupJob,48,2
9,10008,l,sy,com.google.android.gms.chromesync/com.google/someone@gmail.com,3115,10
9,0,l,pwi,scrn,1152
9,10008,l,pwi,uid,12.5
9,0,l,dc,38,39,24,15
"""


def test_v19_three_wakelock_groups_with_minus_one():
    t, _ = run(V19)
    wl = t["batterystats_wakelocks"].row(0, named=True)
    assert (wl["kind"], wl["total_ms"], wl["count"], wl["max_ms"], wl["actual_ms"]) == (
        "partial", 25, 3, 12, None)
    kwl = t["batterystats_kernel_wakelocks"].row(0, named=True)
    assert (kwl["name"], kwl["total_ms"], kwl["count"]) == ("ccci_ioctl2", 5, 1)
    s = t["batterystats_summary"].row(0, named=True)
    assert s["estimated_capacity_mah"] == 3000.0 and s["screen_doze_ms"] is None


def test_v15_pre_7_shapes():
    t, inp = run(V15)
    assert inp.diagnostics.unknown_total() == 0
    wl = t["batterystats_wakelocks"].row(0, named=True)
    assert (wl["kind"], wl["total_ms"], wl["count"], wl["max_ms"]) == ("partial", 492, 11, None)
    jb = t["batterystats_jobs"].row(0, named=True)
    assert (jb["job"], jb["total_ms"], jb["count"]) == (
        "android/com.android.server.backup.KeyValueBackupJob", 48, 2)
    assert t["batterystats_syncs"]["sync"].to_list() == [
        "com.google.android.gms.chromesync/com.google/<account>"]
    pu = t["batterystats_power_use"].select("uid", "component", "mah", "category").rows()
    assert pu == [(None, "screen", 1152.0, "device"), (10008, "total", 12.5, "uid")]
    assert t["batterystats_summary"]["discharge_pct"].to_list() == [39]


def test_empty_and_truncated_input():
    t, inp = run("9,0,i,vers,27,167,X,Y\n9,h,0:RESET:TIME:17\n9,h,12,+r\n9,1000,l,wl,Tr,0,f")
    assert t["batterystats_history"].height == 2
    assert t["batterystats_wakelocks"].height == 0
    assert inp.diagnostics.unknown_total() == 1
    t, inp = run("")
    assert t["batterystats_history"].height == 0 and t["batterystats_summary"].height == 0
