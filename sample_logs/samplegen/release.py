"""The Android release a capture is printed as: build identity, version numbers, and the
per-release choices of the dump writers (formats.md §5 is the checklist of what differs).

The simulated day (world.py) is the same for every release; only names that the platform
builds differently (job battery names and wakelock tags, §3.2/§4.6) and the printed shapes
change. Android 14 is the original sample and must print byte-identically.
"""

from __future__ import annotations

from dataclasses import dataclass

WM_NS = "androidx.work.systemjobscheduler"  # WorkManager 2.9+ namespace (needs 14's API)
SYNC_NS = "SyncManager"  # SyncManager's own namespace (15+; the real Samsung 15 dump, §7.3)


@dataclass(frozen=True)
class Release:
    name: str  # ro.build.version.release
    sdk: int
    build_id: str
    incremental: str
    security_patch: str
    build_date: str  # ro.build.date
    build_date_utc: int
    first_api_level: int
    kernel_release: str  # `uname -r`
    toolchain: str  # the compiler part of /proc/version
    module_metadata: int
    baseband: str
    checkin_version: int  # formats.md §4.4: 11–13 = 35, 14–16 = 36
    parcel_version: int  # 12 = 200, 14 = 212; 15 real = 215 (§7.5)
    zip_name: str

    # -- build identity ------------------------------------------------------------------

    def fingerprint(self, brand: str, product: str, device: str) -> str:
        return (f"{brand}/{product}/{device}:{self.name}/{self.build_id}/{self.incremental}"
                ":user/release-keys")

    @property
    def display_id(self) -> str:
        return f"{self.build_id} release-keys"

    @property
    def kernel(self) -> str:
        """/proc/version: the kernel is built with the platform, on the same date."""
        return (f"Linux version {self.kernel_release} (build-user@build-host) "
                f"({self.toolchain}) #1 SMP PREEMPT {self.build_date}")

    # -- names the platform builds differently (JobStatus, formats.md §3.2/§3.3) ---------

    @property
    def wm_namespace(self) -> str | None:
        """WorkManager schedules into a JobScheduler namespace from 14 (API 34) on."""
        return WM_NS if self.sdk >= 34 else None

    @property
    def sync_namespace(self) -> str | None:
        """SyncManager namespaces its jobs from 15 on (real Samsung 15 dump, §7.3)."""
        return SYNC_NS if self.sdk >= 35 else None

    def battery_name(self, base: str, namespace: str | None = None,
                     trace_tag: str | None = None) -> str:
        """JobStatus batteryName: [`#trace#` (16, include_trace_tag_in_job_name)]
        [`@ns@` (14+)] + component short string or `<sourceTag>:<servicePackage>`."""
        out = ""
        if trace_tag and self.sdk >= 36:
            out += f"#{trace_tag}#"
        if namespace:
            out += f"@{namespace}@"
        return out + base

    def job_type_letter(self, expedited: bool) -> str:
        """16 `*job*e/`, `*job*u/`, `*job*r/` (add_type_info_to_wakelock_tag, §3.2)."""
        if self.sdk < 36:
            return ""
        return "e" if expedited else "r"

    @property
    def job_id_in_dump_tag(self) -> bool:
        """Only 14 appends `#<jobId>` to the dump's `tag=` line (§3.2)."""
        return self.sdk == 34

    # -- batterystats tables (formats.md §4.3/§4.4) ---------------------------------------

    @property
    def data_conn(self) -> list[str]:
        """History `data_conn` values / checkin `dct` bins: 14 renamed `none` to `oos` and
        added `emngcy` (23 bins); 10–13 have 22 (§4.3, §7.5)."""
        base = ["gprs", "edge", "umts", "cdma", "evdo_0", "evdo_A", "1xrtt", "hsdpa", "hsupa",
                "hspa", "iden", "evdo_b", "lte", "ehrpd", "hspap", "gsm", "td_scdma", "iwlan",
                "lte_ca", "nr"]
        if self.sdk >= 34:
            return ["oos", *base, "emngcy", "other"]
        return ["none", *base, "other"]

    @property
    def jbc_reasons(self) -> list[str]:
        """`jbc` / `Job Completions` order, JobParameters.JOB_STOP_REASON_CODES (§4.4):
        12 internal reasons 0–10, 14–15 −1 and 0–12, 16 adds 13 timeout_abandoned."""
        names = ["canceled", "constraints", "preempt", "timeout", "device_idle", "thermal",
                 "restricted_bucket", "uninstall", "data_cleared", "rtc_updated",
                 "successful_finish"]
        if self.sdk <= 32:
            return names
        names = ["unknown:-1", *names]
        if self.sdk >= 34:
            names += ["user_ui_stop", "anr"]
        if self.sdk >= 36:
            names.append("timeout_abandoned")
        return names


ANDROID_14 = Release(
    name="14", sdk=34, build_id="UQ1A.240205.002", incremental="11374062",
    security_patch="2024-02-05", build_date="Fri Jan 19 03:41:22 UTC 2024",
    build_date_utc=1705635682, first_api_level=33,
    kernel_release="5.15.123-android14-11-g8e1f0c2b7a44-ab11331208",
    toolchain="Android (10087095, +pgo, +bolt, +lto, -mlgo, based on r487747c) clang version "
              "17.0.2, LLD 17.0.2",
    module_metadata=341057000, baseband="g5123b-241017-241206-B-12705548",
    checkin_version=36, parcel_version=212, zip_name="bugreport-sample.zip")

# Android 16 Beta 3 (platform stability: SDK 36, codename REL), the newest build a phone
# could run on the simulated day (2025-03-12).
ANDROID_16 = Release(
    name="16", sdk=36, build_id="BP22.250221.010", incremental="13193326",
    security_patch="2025-03-05", build_date="Fri Feb 21 06:12:40 UTC 2025",
    build_date_utc=1740118360, first_api_level=33,
    kernel_release="6.1.124-android14-11-g4b9d2e07c3f1-ab13120443",
    toolchain="Android (12833971, +pgo, +bolt, +lto, +mlgo, based on r536225) clang version "
              "19.0.1, LLD 19.0.1",
    module_metadata=360010000, baseband="g5123b-250117-250206-B-13001842",
    checkin_version=36, parcel_version=215, zip_name="bugreport-sample-android16.zip")

# Android 12 (SDK 31) as shipped in early 2022 and never updated since.
ANDROID_12 = Release(
    name="12", sdk=31, build_id="SQ1A.220205.002", incremental="8010174",
    security_patch="2022-02-05", build_date="Thu Jan 13 01:02:33 UTC 2022",
    build_date_utc=1642035753, first_api_level=31,
    kernel_release="5.10.66-android12-9-00021-g2c1f7a1d4c11-ab7912395",
    toolchain="Android (7284624, based on r416183b) clang version 12.0.5, LLD 12.0.5",
    module_metadata=310744000, baseband="g5123b-211203-220104-B-8012211",
    checkin_version=35, parcel_version=200, zip_name="bugreport-sample-android12.zip")

RELEASES = (ANDROID_14, ANDROID_16, ANDROID_12)
