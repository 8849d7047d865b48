"""The bug report around the service dumps (formats.md §1): dumpstate header (per release,
§1.2), command sections, the 9+ DUMPSYS priority buckets with per-service markers and
footers, SYSTEM PROPERTIES, `== Checkins`, and the zip container (version.txt,
main_entry.txt)."""

from __future__ import annotations

import io
import zipfile

from . import fmt
from .release import ANDROID_14
from .world import BRAND, DEVICE, MANUFACTURER, MODEL, PRODUCT, TIMEZONE, World

BANNER = "=" * 56
SEP = "-" * 79


def banner(title: str) -> list[str]:
    return [BANNER, f"== {title}", BANNER]


class BugReport:
    def __init__(self, w: World, alarm: str, batterystats: str, jobscheduler: str,
                 checkin: str) -> None:
        self.w = w
        self.alarm = alarm
        self.batterystats = batterystats
        self.jobscheduler = jobscheduler
        self.checkin = checkin
        self.r = w.r
        self.fingerprint = self.r.fingerprint(BRAND, PRODUCT, DEVICE)
        c = w.clock
        self.stamp = c.local(w.cap).strftime("%Y-%m-%d-%H-%M-%S")
        self.base = f"bugreport-{PRODUCT}-{self.r.build_id}-{self.stamp}"

    def _end(self, offset_ms: int) -> str:
        return self.w.clock.dumpstate(self.w.cap + offset_ms)

    def _service(self, name: str, body: str, seconds: float, end_offset: int,
                 prio: str | None = None) -> list[str]:
        header = f"DUMP OF SERVICE {prio} {name}:" if prio else f"DUMP OF SERVICE {name}:"
        lines = [SEP, header]
        lines += body.rstrip("\n").split("\n")
        lines.append(f"--------- {seconds:.3f}s was the duration of dumpsys {name}, ending at: "
                     f"{self._end(end_offset)}")
        return lines

    def text(self) -> str:
        w = self.w
        c = w.clock
        out = banner(f"dumpstate: {c.dumpstate(w.cap)}")
        up = w.cap
        days, rest = divmod(up // 60_000, 1440)
        hours, minutes = divmod(rest, 60)
        out += ["", *self._header(days, hours, minutes), ""]
        out += [
            "------ DUMPSYS CRITICAL (/system/bin/dumpsys) ------",
        ]
        out += self._service("cpuinfo", CPUINFO, 0.061, 1_141, "CRITICAL")
        out += ["------ 0.072s was the duration of 'DUMPSYS CRITICAL' ------",
                "------ 0.004s was the duration of 'DUMPSYS CRITICAL PROTO' ------",
                "------ UPTIME (uptime) ------",
                f" {c.local(w.cap + 1_300).strftime('%H:%M:%S')} up {days} days,  "
                f"{hours}:{minutes:02d},  0 users,  load average: 2.14, 1.98, 1.71",
                "------ 0.004s was the duration of 'UPTIME' ------",
                "------ MEMORY INFO (/proc/meminfo) ------"]
        out += MEMINFO.split("\n")
        out += ["------ 0.002s was the duration of 'MEMORY INFO' ------",
                "------ DUMPSYS HIGH (/system/bin/dumpsys) ------"]
        out += self._service("connectivity", CONNECTIVITY_HIGH, 0.018, 3_961, "HIGH")
        out += ["------ 0.101s was the duration of 'DUMPSYS HIGH' ------",
                "------ 0.001s was the duration of 'DUMPSYS HIGH PROTO' ------",
                "------ SYSTEM PROPERTIES (getprop) ------"]
        out += self._properties()
        out += ["------ 0.019s was the duration of 'SYSTEM PROPERTIES' ------"]
        out += banner("Board")
        out += ["------ 0.001s was the duration of 'dumpstate_board()' ------"]
        out += banner("Android Framework Services")
        out += ["------ DUMPSYS (/system/bin/dumpsys) ------"]
        a = w.now_alarm - w.cap
        b = w.now_batterystats - w.cap
        j = w.now_jobs - w.cap
        out += self._service("alarm", self.alarm, 0.042, a + 42)
        out += self._service("battery", self._battery_service(), 0.002, a + 190)
        out += self._service("batterystats", self.batterystats, 0.388, b + 388)
        out += self._service("deviceidle", self._deviceidle(), 0.009, b + 790)
        out += self._service("jobscheduler", self.jobscheduler, 0.061, j + 61)
        out += [f"------ {(j + 70) / 1000 - 9.1:.3f}s was the duration of 'DUMPSYS' ------",
                "------ 0.058s was the duration of 'DUMPSYS PROTO' ------"]
        out += banner("Checkins")
        out += ["------ CHECKIN BATTERYSTATS (/system/bin/dumpsys -T 30000 batterystats -c) ------"]
        out += self.checkin.rstrip("\n").split("\n")
        out += ["------ 0.211s was the duration of 'CHECKIN BATTERYSTATS' ------"]
        out += banner("Running Application Activities")
        out += ["------ APP ACTIVITIES (/system/bin/dumpsys -T 60000 activity -v all) ------",
                "TASK 1000:com.android.settings id=412 userId=0",
                "  ACTIVITY com.android.settings/.SubSettings 8c1f2e0 pid=20931",
                "    mResumed=true mStopped=false mFinished=false",
                "------ 0.088s was the duration of 'APP ACTIVITIES' ------"]
        out += [BANNER, "== Final progress (pid 21344): 5211/5400 (estimated 5400)", BANNER,
                "== dumpstate: done (id 7)", BANNER,
                "------ 31.223s was the duration of 'DUMPSTATE' ------"]
        return "\n".join(out) + "\n"

    def _header(self, days: int, hours: int, minutes: int) -> list[str]:
        """`key: value` lines of the dumpstate header (formats.md §1.2): 12–13 print `SDK
        extension versions [r=… s=…]` and no SDK line; 14+ `Android SDK version:`, `SDK
        extensions:` and `Bootconfig:`; `Dumpstate info` gains `parallel_run` in 12 and
        `strict_run` in 15."""
        r = self.r
        out = [
            f"Build: {r.display_id}",
            f"Build fingerprint: '{self.fingerprint}'",
            f"Bootloader: {DEVICE}-1.3-{r.incremental[:7]}",
            f"Radio: {r.baseband}",
            "Network: Vodafone.de",
            f"Module Metadata version: {r.module_metadata}",
        ]
        if r.sdk >= 34:
            ext = {34: "[ad_services=10, r=10, s=10, t=10, u=10]",
                   36: "[ad_services=16, r=16, s=16, t=16, u=16, v=16, b=16]"}[r.sdk]
            out += [f"Android SDK version: {r.sdk}", f"SDK extensions: {ext}"]
        else:
            out.append("SDK extension versions [r=2 s=2]")
        out += [
            f"Kernel: {r.kernel}",
            f"Command line: console=ttyMSM0,115200n8 androidboot.hardware={DEVICE} "
            "androidboot.memcg=1 lpm_levels.sleep_disabled=1 service_locator.enable=1 "
            "androidboot.usbcontroller=a600000.dwc3 swiotlb=0 loop.max_part=7 "
            "cgroup.memory=nokmem,nosocket pcie_ports=compat iptable_raw.raw_before_defrag=1 "
            "ip6table_raw.raw_before_defrag=1",
        ]
        if r.sdk >= 34:
            out += [f'Bootconfig: androidboot.hardware = "{DEVICE}"',
                    'androidboot.serialno = "NV5A0C71D2E4"',
                    'androidboot.verifiedbootstate = "green"',
                    'androidboot.slot_suffix = "_a"']
        strict = " strict_run=1" if r.sdk >= 35 else ""
        out += [
            f"Uptime: up 0 weeks, {days} days, {hours} hours, {minutes} minutes,  load "
            "average: 2.14, 1.98, 1.71",
            "Bugreport format version: 2.0",
            f"Dumpstate info: id=7 pid=21344 dry_run=0 parallel_run=1{strict} "
            "args=/system/bin/dumpstate -S -d bugreport_mode=BUGREPORT_INTERACTIVE",
        ]
        return out

    def _properties(self) -> list[str]:
        r = self.r
        fingerprint = self.fingerprint
        props = {
            "dalvik.vm.heapsize": "512m", "dalvik.vm.usejit": "true",
            "debug.atrace.tags.enableflags": "0", "gsm.operator.alpha": "Vodafone.de",
            "gsm.network.type": "LTE", "gsm.version.baseband": r.baseband,
            "persist.sys.locale": "de-DE", "persist.sys.timezone": TIMEZONE,
            "ro.boot.hardware": DEVICE, "ro.boot.verifiedbootstate": "green",
            "ro.bootloader": f"{DEVICE}-1.3-{r.incremental[:7]}",
            "ro.build.date": r.build_date,
            "ro.build.date.utc": str(r.build_date_utc), "ro.build.description":
                f"{PRODUCT}-user {r.name} {r.build_id} {r.incremental} release-keys",
            "ro.build.display.id": r.display_id, "ro.build.fingerprint": fingerprint,
            "ro.build.id": r.build_id, "ro.build.product": DEVICE,
            "ro.build.tags": "release-keys",
            "ro.build.type": "user", "ro.build.version.codename": "REL",
            "ro.build.version.incremental": r.incremental, "ro.build.version.release": r.name,
            "ro.build.version.release_or_codename": r.name,
            "ro.build.version.sdk": str(r.sdk),
            "ro.build.version.security_patch": r.security_patch,
            "ro.hardware": DEVICE, "ro.product.board": DEVICE, "ro.product.brand": BRAND,
            "ro.product.cpu.abi": "arm64-v8a", "ro.product.device": DEVICE,
            "ro.product.first_api_level": str(r.first_api_level), "ro.product.locale": "en-US",
            "ro.product.manufacturer": MANUFACTURER, "ro.product.model": MODEL,
            "ro.product.name": PRODUCT, "ro.product.vendor.brand": BRAND,
            "ro.product.vendor.device": DEVICE, "ro.product.vendor.manufacturer": MANUFACTURER,
            "ro.product.vendor.model": MODEL, "ro.product.vendor.name": PRODUCT,
            "ro.serialno": "NV5A0C71D2E4", "ro.vendor.build.fingerprint": fingerprint,
            "sys.boot_completed": "1", "sys.usb.config": "none",
            "persist.vendor.radio.default_network": "33", "wifi.interface": "wlan0",
        }
        return [f"[{k}]: [{v}]" for k, v in sorted(props.items())]

    def _battery_service(self) -> str:
        w = self.w
        level = w.level_at(w.end)
        return "\n".join([
            "Current Battery Service state:",
            "  AC powered: false", "  USB powered: false", "  Wireless powered: false",
            "  Dock powered: false", "  Max charging current: 0",
            "  Max charging voltage: 0",
            f"  Charge counter: {round(4410 - w.discharge_mah) * 1000}",
            "  status: 3", "  health: 2", "  present: true", f"  level: {level}",
            "  scale: 100", f"  voltage: {round(3562 + 8.3 * level)}", "  temperature: 303",
            "  technology: Li-ion", "  Charging state: 0", "  Charging policy: 1",
            "  Capacity level: 2"])

    def _deviceidle(self) -> str:
        w = self.w
        last_idle = w.at(2, "06:40:33.710")
        return "\n".join([
            "  Settings:",
            "    flex_time_short=+1m0s0ms", "    light_after_inactive_to=+4m0s0ms",
            "    light_idle_to=+5m0s0ms", "    light_max_idle_to=+15m0s0ms",
            "    light_idle_maintenance_min_budget=+1m0s0ms",
            "    min_time_to_alarm=+30m0s0ms", "    inactive_to=+30m0s0ms",
            "    sensing_to=+4m0s0ms", "    locating_to=+30s0ms",
            "    motion_inactive_to=+10m0s0ms",
            "    idle_after_inactive_to=+30m0s0ms", "    idle_pending_to=+5m0s0ms",
            "    max_idle_pending_to=+10m0s0ms", "    idle_to=+1h0m0s0ms",
            "    max_idle_to=+6h0m0s0ms", "    min_deep_maintenance_time=+30s0ms",
            "  Idling history:",
            f"    light_idle: {fmt.duration(w.at(1, '23:10:09.004') - w.end)}",
            f"      deep_idle: {fmt.duration(w.at(2, '01:25:12.870') - w.end)}",
            f"         normal: {fmt.duration(last_idle - w.end)}",
            "  Whitelist (except idle) system apps:", "    com.android.providers.downloads",
            "    com.android.vending", "  Whitelist user apps:", "    com.example.keyboard",
            "  mLightEnabled=true  mDeepEnabled=true", "  mForceIdle=false",
            "  mUseMotionSensor=true mMotionSensor={Sensor name=\"any_motion\", vendor=\"acme\"}",
            "  mScreenOn=true", "  mScreenLocked=false", "  mNetworkConnected=true",
            "  mCharging=false", "  mMotionActive=false", "  mNotMoving=false",
            "  mHasGps=true mHasNetwork=true mLocating=false", "  mState=ACTIVE mLightState=ACTIVE",
            "  mInactiveTimeout=+30m0s0ms", "  mNextAlarmTime=0",
            "  mNextIdlePendingDelay=0", "  mNextIdleDelay=+1h0m0s0ms",
            "  mNextLightIdleDelay=+5m0s0ms", "  mNextLightIdleDelayFlex=+1m0s0ms",
            "  mNextLightAlarmTime=0", "  mCurLightIdleBudget=+1m0s0ms",
            "  mMaintenanceStartTime=0", "  mJobsActive=true", "  mAlarmsActive=false"])

    def zip_bytes(self) -> bytes:
        """The bug report zip, deterministic: fixed member order, times and attributes."""
        c = self.w.clock
        when = c.local(self.w.cap + 31_300).timetuple()[:6]
        main = f"{self.base}.txt"
        members = [
            ("version.txt", b"2.0"),
            ("FS/data/misc/recovery/ro.build.fingerprint", (self.fingerprint + "\n").encode()),
            (main, self.text().encode("utf-8")),
            ("main_entry.txt", main.encode()),
            ("dumpstate_log.txt",
             DUMPSTATE_LOG.replace(ANDROID_14.build_id, self.r.build_id).encode()),
        ]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=when)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = 0o100644 << 16
                zf.writestr(info, data, compresslevel=9)
        return buf.getvalue()


CPUINFO = """Load: 2.14 / 1.98 / 1.71
CPU usage from 61022ms to 1021ms ago (2025-03-12 08:14:40.412 to 2025-03-12 08:15:40.413):
  9.8% 1538/system_server: 5.1% user + 4.7% kernel / faults: 9412 minor 3 major
  6.2% 20931/com.android.settings: 4.4% user + 1.8% kernel / faults: 3120 minor
  3.1% 2210/com.android.systemui: 2.2% user + 0.9% kernel / faults: 1044 minor
  1.2% 912/surfaceflinger: 0.7% user + 0.5% kernel
  0.9% 21344/dumpstate: 0.3% user + 0.6% kernel / faults: 802 minor
  0.6% 1001/com.android.phone: 0.4% user + 0.2% kernel / faults: 211 minor
  0.3% 14/ksoftirqd/0: 0% user + 0.3% kernel
  0.1% 7781/com.example.fileshare: 0.1% user + 0% kernel / faults: 40 minor
6.3% TOTAL: 3.4% user + 2.4% kernel + 0.1% iowait + 0.2% irq + 0.1% softirq"""

MEMINFO = """MemTotal:        7812248 kB
MemFree:          291044 kB
MemAvailable:    3204116 kB
Buffers:            4012 kB
Cached:          3011408 kB
SwapCached:        22104 kB
Active:          2401112 kB
Inactive:        2210436 kB
SwapTotal:       4194300 kB
SwapFree:        3101220 kB
Shmem:             31220 kB
KernelStack:       71040 kB
PageTables:       118812 kB"""

CONNECTIVITY_HIGH = "\n".join(fmt.block("""NetworkProviders for:
  NetworkProviderInfo{name=TelephonyNetworkProvider, ...}
  NetworkProviderInfo{name=WifiNetworkFactory, ...}

Active default network: 104

Current network preferences:~
  Default requests:
    Mobile data preferred uids: []

Current Networks:
  NetworkAgentInfo{network{104}  handle{448358469645}  ni{MOBILE[LTE] CONNECTED extra: internet}\
  Score(Policies : IS_VALIDATED&IS_DEFAULT&TRANSPORT_PRIMARY ; KeepConnected : 0)  created\
 everValidated lastValidated  lp{{InterfaceName: rmnet_data1 LinkAddresses: [ 10.148.72.19/30 ]\
 DnsAddresses: [ /10.74.210.210,/10.74.211.211 ] Domains: null MTU: 1430 TcpBufferSizes:\
 2097152,6291456,16777216,512000,2097152,8388608}}  nc{[ Transports: CELLULAR Capabilities:\
 INTERNET&MMS&SUPL&NOT_RESTRICTED&TRUSTED&NOT_VPN&VALIDATED&NOT_ROAMING&FOREGROUND&NOT_CONGESTED&\
NOT_SUSPENDED&NOT_VCN_MANAGED LinkUpBandwidth>=15000Kbps LinkDnBandwidth>=62000Kbps\
 SubscriptionIds: {1}]}  factorySerialNumber=3}
    Requests: REQUEST:9 LISTEN:31 BACKGROUND_REQUEST:0 total:40
    Lingered:

Network Requests:
  uid/pid:1000/1538 activeRequest: null callbackRequest: 1 [NetworkRequest [ REQUEST id=1, [\
 Capabilities: INTERNET&NOT_RESTRICTED&TRUSTED&NOT_VPN&NOT_VCN_MANAGED Uid: 1000 RequestorUid:\
 1000 RequestorPkg: android UnderlyingNetworks: Null] ]] callback flags: 0 order: 2147483647\
 isUidTracked: false preferenceId: 0"""))

DUMPSTATE_LOG = """begin
Bugreport dir: /data/user_de/0/com.android.shell/files/bugreports
Base name: bugreport-nova5_eea-UQ1A.240205.002
Suffix: 2025-03-12-08-15-40
Log path: /data/user_de/0/com.android.shell/files/bugreports/dumpstate_log-21344.txt
Temporary path:\
 /data/user_de/0/com.android.shell/files/bugreports/bugreport-nova5_eea-UQ1A.240205.002-2025-03-1\
2-08-15-40-.tmp
Running 'DUMPSYS CRITICAL' (pid 21352)
Running 'SYSTEM PROPERTIES' (pid 21390)
Running 'DUMPSYS' (pid 21412)
Running 'CHECKIN BATTERYSTATS' (pid 21509)
Done (id 7)
"""
