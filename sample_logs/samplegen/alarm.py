"""`dumpsys alarm` in the S+ store layout, formats.md §2.2–2.5 and the real Samsung 14/15
capture (§7.2): IndentingPrintWriter output, blank-looking lines holding the two-space
indent, `N pending alarms: ` with a trailing space, `policyWhenElapsed:` per alarm.

Android 14 is the base; 12 prints the first S layout (12–13 settings keys, no Temporary
Quota Reserves, no `#n:` removal entries, exact reasons without `policy_permission`), 16 the
15+ one (`Feature Flags:`, App Standby Parole before the AppStateTracker dump, `Scheduled
user wakeups:`; yaap @3ddcaa00 AlarmManagerService.dumpImpl).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from . import fmt
from .world import APPS, World

TYPES = {"RTC_WAKEUP": 0, "RTC": 1, "ELAPSED_WAKEUP": 2, "ELAPSED": 3}
IND = "  "  # what IndentingPrintWriter leaves on an empty line at indent 2


@dataclass
class Pending:
    type: str
    package: str
    tag: str
    requester: int  # elapsed ms the app asked for
    window: int = 0
    repeat: int = 0
    flags: int = 0
    exact_reason: str | None = None
    app_standby: int | None = None  # None: evaluated "now-ish" (no deferral)
    operation: str | None = None  # PendingIntent kind; None → listener alarm
    listener: str | None = None
    alarm_clock: int | None = None  # epoch ms of setAlarmClock alarms
    hash: str = "0"


def _hash(*parts) -> str:
    value = 0
    for p in parts:
        for ch in str(p):
            value = (value * 131 + ord(ch)) & 0xFFFFFFF
    return f"{value:x}"


class AlarmDump:
    def __init__(self, w: World) -> None:
        self.w = w
        self.sdk = w.r.sdk
        self.now = w.now_alarm
        self.rtc = w.clock.epoch_ms(self.now)
        self.pending = self._pending()

    def _pending(self) -> list[Pending]:
        w, now = self.w, self.now
        tick = w.clock.elapsed(w.clock.local(now).replace(second=0, microsecond=0)) + 60_000
        deals_req = w.deals_last + 1_800_000 + 41_310
        cal_alarm = w.clock.elapsed(w.clock.local(now).replace(hour=9, minute=50, second=0,
                                                               microsecond=0))
        midnight = w.clock.elapsed(w.clock.local(now).replace(day=13, hour=0, minute=0,
                                                              second=0, microsecond=0))
        clock_alarm = w.clock.elapsed(w.clock.local(now).replace(day=13, hour=6, minute=45,
                                                                 second=0, microsecond=0))
        weather_next = max(a.t for a in w.alarms if a.uid == APPS["com.example.weather"].uid)
        smart_next = max(a.t for a in w.alarms if a.uid == APPS["com.example.smarthome"].uid)
        rows = [
            Pending("ELAPSED", "android", "*alarm*:TIME_TICK", tick, flags=0x9,
                    exact_reason="allow-listed",
                    listener="com.android.server.alarm.AlarmManagerService$2@4b1e0d2"),
            Pending("ELAPSED", "android", "*alarm*:*job.delay*", now + 227_882,
                    window=113_941, listener="android.app.AlarmManager$ListenerWrapper@9e2c7a1"),
            Pending("RTC_WAKEUP", "com.example.newsfeed",
                    "*walarm*:com.example.newsfeed.action.REFRESH", w.newsfeed_next, flags=0x5,
                    exact_reason="permission", operation="broadcastIntent"),
            Pending("ELAPSED_WAKEUP", "android", "*walarm*:*job.deadline*", now + 1_049_903,
                    window=524_951,
                    listener="android.app.AlarmManager$ListenerWrapper@5f03a88"),
            Pending("ELAPSED", "android", "*alarm*:com.android.server.action.NETWORK_STATS_POLL",
                    now + 1_288_118, window=1_350_000, repeat=1_800_000,
                    operation="broadcastIntent"),
            # (f) asked for +2m30s, the RARE bucket's quota (1 an hour) defers it ~47 min.
            Pending("ELAPSED_WAKEUP", "com.example.shoppingdeals",
                    "*walarm*:com.example.shoppingdeals.action.DEAL_CHECK", deals_req,
                    window=900_000, app_standby=w.deals_last + 3_600_000 + 1_024,
                    operation="broadcastIntent"),
            Pending("RTC_WAKEUP", "com.example.weather",
                    "*walarm*:com.example.weather.action.UPDATE", weather_next + 3_600_000,
                    window=2_700_000, repeat=3_600_000, operation="broadcastIntent"),
            Pending("RTC_WAKEUP", "com.android.providers.calendar",
                    "*walarm*:com.android.providers.calendar.intent.CalendarProvider2",
                    cal_alarm, flags=0x4, exact_reason="allow-listed",
                    operation="broadcastIntent"),
            Pending("ELAPSED_WAKEUP", "com.example.smarthome",
                    "*walarm*:com.example.smarthome.action.HEARTBEAT", smart_next + 7_200_000,
                    window=5_400_000, repeat=7_200_000, operation="broadcastIntent"),
            Pending("RTC", "android", "*alarm*:android.intent.action.DATE_CHANGED", midnight,
                    flags=0x1, exact_reason="allow-listed", operation="broadcastIntent"),
            Pending("RTC_WAKEUP", "com.android.deskclock",
                    "*walarm*:com.android.deskclock.ALARM_ALERT", clock_alarm, flags=0x3,
                    # USE_EXACT_ALARM (`policy_permission`) exists from 13 on.
                    exact_reason="policy_permission" if self.sdk >= 33 else "permission",
                    operation="broadcastIntent",
                    alarm_clock=w.clock.epoch_ms(clock_alarm)),
        ]
        for i, p in enumerate(rows):
            p.hash = _hash(p.tag, i)
        return sorted(rows, key=lambda p: self._when(p))

    def _when(self, p: Pending) -> int:
        return max(p.requester, p.app_standby or 0)

    # -- writing --------------------------------------------------------------------------

    def text(self) -> str:
        w, now = self.w, self.now
        c = w.clock
        out = ["Current Alarm Manager state:"]
        if self.sdk >= 35:
            # 15+: `Feature Flags:` after Settings, Parole before the AppStateTracker dump.
            out += SETTINGS
            out += [IND, "  Feature Flags:",
                    "    com.android.server.alarm.acquire_wakelock_before_send=false ", IND,
                    "  App Standby Parole: false", IND, *self._app_state_tracker(), IND]
        else:
            out += SETTINGS if self.sdk >= 34 else SETTINGS_12
            out += [IND, *self._app_state_tracker(), IND, "  App Standby Parole: false", IND]
        boot_tick = 41_207
        out += [f"  nowRTC={self.rtc}={c.alarm(now)} nowELAPSED={now}",
                f"  mLastTimeChangeClockTime={c.epoch_ms(boot_tick)}={c.alarm(boot_tick)}",
                f"  mLastTimeChangeRealtime={boot_tick}"]
        minute = c.elapsed(c.local(now).replace(second=0, microsecond=0))
        out += [f"  mLastTickReceived={c.alarm(minute + 1)}",
                f"  mLastTickSet={c.alarm(minute + 1)}", IND, "  Recent TIME_TICK history:"]
        for k in range(10):
            out.append(f"    {c.alarm(minute - k * 60_000 + (k % 3 == 1))}")
        runtime = 18_904
        awake = 39_512_118
        out += [IND, f"  RuntimeStarted={c.alarm(runtime)}",
                f"  Runtime uptime (elapsed): {fmt.duration(now - runtime)}",
                f"  Runtime uptime (uptime): {fmt.duration(awake)}", IND]
        nonwake = [p for p in self.pending if not p.type.endswith("WAKEUP")]
        wake = [p for p in self.pending if p.type.endswith("WAKEUP")]
        nw, wk = self._when(nonwake[0]), self._when(wake[0])
        last_wake = max(a.t for a in w.alarms if a.wakeup and a.t <= now)
        out += ["  Max wakeup delay: +1h0m0s0ms",
                f"  Time since last dispatch: {fmt.duration(now - (minute + 1))}",
                f"  Next non-wakeup delivery time: {fmt.duration(minute + 1 - now)}",
                f"  Next non-wakeup alarm: {fmt.duration(nw - now)} = {nw} = {c.alarm(nw)}",
                f"    set at {fmt.duration(minute + 1 - now)}",
                f"  Next wakeup alarm: {fmt.duration(wk - now)} = {wk} = {c.alarm(wk)}",
                f"    set at {fmt.duration(last_wake + 40 - now)}",
                f"  Next kernel non-wakeup alarm: {fmt.duration(nw - now - 4)}",
                f"  Next kernel wakeup alarm: {fmt.duration(wk - now - 4)}",
                f"  Last wakeup: {fmt.duration(last_wake - now)} = {last_wake}",
                f"  Last trigger: {fmt.duration(minute + 1 - now)} = {minute + 1}",
                "  Num time change events: 1", IND,
                "  App ids requesting SCHEDULE_EXACT_ALARM: {10058, 10163}", IND,
                "  Last OP_SCHEDULE_EXACT_ALARM: [u0a58:allow, u0a163:allow]", IND,
                "  Next alarm clock information: "]
        clock = next(p for p in self.pending if p.alarm_clock)
        out.append(f"    user:0 pendingSend:false time:{clock.alarm_clock} = "
                   f"{c.alarm(clock.requester)} = {fmt.duration(clock.requester - now)}")
        out.append(IND)
        out.append(f"  {len(self.pending)} pending alarms: ")
        for i, p in enumerate(self.pending, start=1):
            out += self._alarm(p, i)
        out += ["  LazyAlarmStore stats:",
                "    GET_NEXT_DELIVERY_TIME: count=61204, total=88.1ms, avg=0.001ms, "
                "max calls/s=0 max dur/s=0.0ms max time=3.9ms",
                "    GET_NEXT_WAKEUP_DELIVERY_TIME: count=61204, total=2113.7ms, avg=0.035ms, "
                "max calls/s=52 max dur/s=41.0ms max time=18.2ms",
                "    GET_COUNT: count=0, total=0.0ms, avg=0.000ms, max calls/s=0 max dur/s=0.0ms "
                "max time=0.0ms",
                IND, "  Pending user blocked background alarms: ", "    none", IND]
        per_uid = defaultdict(int)
        for p in self.pending:
            per_uid[self._uid(p.package)] += 1
        out.append("  Pending alarms per uid: [" + ", ".join(
            f"{fmt.uid(u)}:{n}" for u, n in sorted(per_uid.items())) + "]")
        out.append(IND)
        if self.sdk >= 35:  # UserWakeupStore.dump (15+, start_user_before_scheduled_alarms)
            out += ["  Scheduled user wakeups:",
                    "    User wakeup store file path: /data/system/alarms/"
                    "usersWithAlarmClocks.xml",
                    "    0 user wakeups scheduled: ", IND]
        out += ["  App Alarm history:"]
        out += self._wakeup_history(3_600_000, lambda a: a.wakeup and a.uid >= 10000)
        if self.sdk >= 33:  # TemporaryQuotaReserve, 13+
            out += [IND, "  Temporary Quota Reserves:"]
        out += [IND,
                "  Past-due non-wakeup alarms: (none)",
                "    Number of delayed alarms: 4412, total delay time: +4d11h7m12s882ms",
                "    Max delay time: +7h22m31s508ms, max non-interactive time: +9h10m24s240ms",
                IND, "  Broadcast ref count: 0", "  PendingIntent send count: 3311",
                "  PendingIntent finish count: 3311", "  Listener send count: 6207",
                "  Listener finish count: 6207", IND, "  Allow while idle history:"]
        nf = APPS["com.example.newsfeed"].uid
        out += self._wakeup_history(3_600_000, lambda a: a.uid == nf)
        # 12–13 print the header with a trailing space (formats.md §2.2, 14 dropped it).
        removal = "  Removal history:" if self.sdk >= 34 else "  Removal history: "
        out += [IND, "  Allow while idle compat history:", IND, removal]
        out += self._removals()
        out += [IND, *self._top_and_stats()]
        out += [IND, "  Alarm manager stats:",
                "    REORDER_ALARMS_FOR_STANDBY: count=2204, total=601.3ms, avg=0.273ms, "
                "max calls/s=7 max dur/s=9.8ms max time=6.1ms",
                "    HAS_SCHEDULE_EXACT_ALARM: count=1318, total=103.9ms, avg=0.079ms, "
                "max calls/s=15 max dur/s=2.2ms max time=1.9ms"]
        return "\n".join(out) + "\n"

    @staticmethod
    def _uid(package: str) -> int:
        return APPS[package].uid if package in APPS else 1000

    def _alarm(self, p: Pending, i: int) -> list[str]:
        w, now = self.w, self.now
        c = w.clock
        rtc = p.type.startswith("RTC")
        orig_raw = c.epoch_ms(p.requester) if rtc else p.requester
        when = self._when(p)
        out = [f"    {p.type} #{i}: Alarm{{{p.hash} type {TYPES[p.type]} origWhen {orig_raw} "
               f"whenElapsed {when} {p.package}}}",
               f"      tag={p.tag}"]
        orig = c.alarm(p.requester) if rtc else fmt.duration(p.requester - now)
        exact = f" exactAllowReason={p.exact_reason}" if p.window == 0 else ""
        out.append(f"      type={p.type} origWhen={orig} window={fmt.duration(p.window)}{exact} "
                   f"repeatInterval={p.repeat} count=0 flags=0x{p.flags:x}")
        if p.alarm_clock:
            out += ["      Alarm clock:", f"        triggerTime={c.alarm(p.requester)}",
                    "        showIntent=PendingIntent{2be91d4: PendingIntentRecord{8a01c5f "
                    "com.android.deskclock startActivity}}"]
        evaluated = now - 1_204 - (int(p.hash, 16) % 600_000)
        standby = p.app_standby if p.app_standby else evaluated
        saver = evaluated - 3_111
        out.append(f"      policyWhenElapsed: requester={fmt.duration(p.requester - now)} "
                   f"app_standby={fmt.duration(standby - now)} device_idle=-- "
                   f"battery_saver={fmt.duration(saver - now)}")
        out.append(f"      whenElapsed={fmt.duration(when - now)} "
                   f"maxWhenElapsed={fmt.duration(max(when, p.requester + p.window) - now)}")
        if p.operation:
            out.append(f"      operation=PendingIntent{{{_hash(p.tag, 'pi')}: PendingIntentRecord"
                       f"{{{_hash(p.tag, 'rec')} {p.package} {p.operation}}}}}")
        else:
            out.append(f"      listener={p.listener}")
        return out

    def _app_state_tracker(self) -> list[str]:
        return ["  Current AppStateTracker State:",
                "    Force all apps standby: false",
                "    Small Battery Device: false",
                "    Force all apps standby for small battery device: false",
                "    Plugged In: false",
                "    Active uids: [u0a41 u0a52 u0a166 u0a192]",
                "    Except-idle + user exemption list appids: [1000, 1001, 1002, 1073, 10041, "
                "10052, 10166]",
                "    User exemption list appids: [10041, 10166]",
                "    Temp exemption list appids: []",
                "    Exempted bucket packages:",
                "      User 0",
                "        com.android.systemui",
                "        com.android.launcher3",
                "    Restricted packages:",
                "    Stats:",
                "      UID_FG_STATE_CHANGED: count=0, total=0.0ms, avg=0.000ms, max calls/s=0 "
                "max dur/s=0.0ms max time=0.0ms",
                "      UID_ACTIVE_STATE_CHANGED: count=2118, total=604.2ms, avg=0.285ms, "
                "max calls/s=11 max dur/s=38.4ms max time=21.7ms",
                "      RUN_ANY_CHANGED: count=0, total=0.0ms, avg=0.000ms, max calls/s=0 "
                "max dur/s=0.0ms max time=0.0ms",
                "      ALL_UNEXEMPTED: count=0, total=0.0ms, avg=0.000ms, max calls/s=0 "
                "max dur/s=0.0ms max time=0.0ms",
                "      ALL_EXEMPTION_LIST_CHANGED: count=0, total=0.0ms, avg=0.000ms, "
                "max calls/s=0 max dur/s=0.0ms max time=0.0ms",
                "      TEMP_EXEMPTION_LIST_CHANGED: count=312, total=140.6ms, avg=0.450ms, "
                "max calls/s=4 max dur/s=9.2ms max time=8.8ms",
                "      EXEMPTED_BUCKET_CHANGED: count=2, total=0.9ms, avg=0.450ms, "
                "max calls/s=1 max dur/s=0.6ms max time=0.6ms",
                "      FORCE_ALL_CHANGED: count=0, total=0.0ms, avg=0.000ms, max calls/s=0 "
                "max dur/s=0.0ms max time=0.0ms",
                "      IS_UID_ACTIVE_CACHED: count=0, total=0.0ms, avg=0.000ms, max calls/s=0 "
                "max dur/s=0.0ms max time=0.0ms",
                "      IS_UID_ACTIVE_RAW: count=904, total=51.2ms, avg=0.057ms, max calls/s=6 "
                "max dur/s=3.1ms max time=2.9ms"]

    def _wakeup_history(self, window: int, keep) -> list[str]:
        now = self.now
        rows = defaultdict(list)
        for a in self.w.alarms:
            if keep(a) and now - window <= a.t <= now:
                rows[a.uid].append(a.t)
        out = []
        by_uid = {app.uid: app.package for app in APPS.values()}
        for uid in sorted(rows, key=lambda u: -max(rows[u])):
            times = "".join(f"{fmt.duration(t - now)}, " for t in sorted(rows[uid], reverse=True))
            out.append(f"    {by_uid[uid]}, u0: {times}")
        return out

    def _removals(self) -> list[str]:
        c = self.w.clock
        now = self.now
        deals = APPS["com.example.shoppingdeals"].uid
        t1 = self.w.deals_last + 1_812
        out = [f"    {fmt.uid(deals)}:"]
        # 14 numbers the entries `#<n>: ` (newest first); 12–13 print them bare.
        number = (lambda n: f"#{n}: ") if self.sdk >= 34 else (lambda n: "")
        for n, t in enumerate((t1, t1 - 3_600_412), start=1):
            out += [f"      {number(n)}Reason=alarm_cancelled elapsed={fmt.duration(t - now)} "
                    f"rtc={c.alarm(t)}",
                    "        Snapshot:",
                    "          type=ELAPSED_WAKEUP "
                    "tag=*walarm*:com.example.shoppingdeals.action.DEAL_CHECK ",
                    f"          policyWhenElapsed: requester={fmt.duration(t + 1_800_000 - now)} "
                    f"app_standby={fmt.duration(t + 3_598_100 - now)} device_idle=-- "
                    f"battery_saver={fmt.duration(t - 2 - now)}"]
        t = self.w.at(2, "06:51:19.022")
        out += ["    1000:",
                f"      {number(1)}Reason=alarm_cancelled elapsed={fmt.duration(t - now)} "
                f"rtc={c.alarm(t)}",
                "        Snapshot:",
                "          type=ELAPSED_WAKEUP tag=*walarm*:*job.deadline* ",
                f"          policyWhenElapsed: requester={fmt.duration(t + 402_118 - now)} "
                f"app_standby={fmt.duration(t - 12 - now)} device_idle=-- "
                f"battery_saver={fmt.duration(t - 12 - now)}"]
        return out

    def _top_and_stats(self) -> list[str]:
        """Top Alarms and Alarm Stats are kept since boot: the day's counts scaled to the
        uptime (the same behaviour before the battery was unplugged)."""
        w, now = self.w, self.now
        scale = now / w.period
        stats: dict[tuple[int, str], list] = {}
        for a in w.alarms:
            rec = stats.setdefault((a.uid, a.tag), [0, 0, 0, 0])
            rec[0] += a.running_ms
            rec[1] += 1 if a.wakeup else 0
            rec[2] += 1
            rec[3] = max(rec[3], a.t)
        ticks = sum(1 for m in range(0, w.period, 60_000)
                    if any(s <= w.t0 + m < e for s, e in w.running_iv))
        stats[(1000, "*alarm*:TIME_TICK")] = [ticks * 11, 0, ticks, now - 9_312]
        stats[(1000, "*alarm*:*job.delay*")] = [4_811, 0, 212, now - 118_204]
        stats[(1000, "*alarm*:com.android.server.action.NETWORK_STATS_POLL")] = [
            9_004, 0, 49, now - 511_882]
        stats[(1000, "*alarm*:android.intent.action.DATE_CHANGED")] = [412, 0, 1,
                                                                        w.at(2, "00:00:00.004")]
        cal = APPS["com.android.providers.calendar"].uid
        stats[(cal, "*walarm*:com.android.providers.calendar.intent.CalendarProvider2")] = [
            2_907, 3, 3, w.at(1, "17:50:00.019")]
        clock = APPS["com.android.deskclock"].uid
        stats[(clock, "*walarm*:com.android.deskclock.ALARM_ALERT")] = [
            1_118, 1, 1, w.at(2, "06:45:00.002")]
        rows = {}
        for (uid, tag), (run, wakes, alarms, last) in stats.items():
            # Once-a-day alarms fired three times since boot, the rest scale with uptime.
            k = 3 if alarms == 1 or uid == APPS["com.android.providers.calendar"].uid else scale
            if uid == APPS["com.android.providers.calendar"].uid:
                k = 2.67
            rows[(uid, tag)] = (int(run * k), round(wakes * k), max(1, round(alarms * k)), last)
        by_uid = {app.uid: app.package for app in APPS.values()}
        out = ["  Top Alarms:"]
        top = sorted(rows.items(), key=lambda r: -r[1][0])[:10]
        for (uid, tag), (run, wakes, alarms, _last) in top:
            out.append(f"    {fmt.duration(run)} running, {wakes} wakeups, {alarms} alarms: "
                       f"{fmt.uid(uid)}:{by_uid[uid]}")
            out.append(f"      {tag}")
        out += [IND, "  Alarm Stats:"]
        per_pkg = defaultdict(list)
        for (uid, tag), row in rows.items():
            per_pkg[uid].append((tag, row))
        for uid in sorted(per_pkg, key=lambda u: -sum(r[1][0] for r in per_pkg[u])):
            tags = sorted(per_pkg[uid], key=lambda r: -r[1][0])
            run = sum(r[1][0] for r in tags)
            wakes = sum(r[1][1] for r in tags)
            out.append(f"  {fmt.uid(uid)}:{by_uid[uid]} {fmt.duration(run)} running, "
                       f"{wakes} wakeups:")
            for tag, (run, wakes, alarms, last) in tags:
                out.append(f"    {fmt.duration(run)} {wakes} wakes {alarms} alarms, last "
                           f"{fmt.duration(last - now)}:")
                out.append(f"      {tag}")
        return out


SETTINGS = fmt.block("""  Settings:
    min_futurity=+5s0ms
    min_interval=+1m0s0ms
    max_interval=+365d0h0m0s0ms
    min_window=+10m0s0ms
    listener_timeout=+5s0ms
    allow_while_idle_quota=72~
    allow_while_idle_window=+1h0m0s0ms
    allow_while_idle_compat_quota=1~
    allow_while_idle_compat_window=+9m0s0ms
    allow_while_idle_whitelist_duration=+10s0ms
    max_alarms_per_uid=500~
    app_standby_window=+1h0m0s0ms
    standby_quota_active=720~
    standby_quota_working=10~
    standby_quota_frequent=2~
    standby_quota_rare=1~
    standby_quota_never=0~
    app_standby_restricted_window=+1d0h0m0s0ms
    standby_quota_restricted=1~
    priority_alarm_delay=+9m0s0ms
    exact_alarm_deny_list=[]
    min_device_idle_fuzz=+2m0s0ms
    max_device_idle_fuzz=+15m0s0ms
    temporary_quota_bump=0~
    cached_listener_removal_delay=+10s0ms""")

# 12 (S): the list above plus `version`, `lazy_batching`, `time_tick_allowed_while_idle`,
# `crash_non_clock_apps` and `kill_on_schedule_exact_alarm_revoked` (12–13); no
# `temporary_quota_bump` (13) or `cached_listener_removal_delay` (14) (formats.md §2.2).
_PRIORITY = SETTINGS.index("    priority_alarm_delay=+9m0s0ms")
SETTINGS_12 = [SETTINGS[0], "    version=2 ", *SETTINGS[1:_PRIORITY],
               "    lazy_batching=true ", "    time_tick_allowed_while_idle=true ",
               "    crash_non_clock_apps=true ",
               *SETTINGS[_PRIORITY:SETTINGS.index("    temporary_quota_bump=0 ")],
               "    kill_on_schedule_exact_alarm_revoked=true "]
