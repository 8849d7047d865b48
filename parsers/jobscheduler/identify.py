"""What scheduled a job: WorkManager, SyncManager, Firebase JobDispatcher, GcmNetworkManager,
the app's own JobService, or the system (formats.md §3.3, §7.3 Samsung namespaces).
"""

from __future__ import annotations

import re

from wakescope.parsers.jobscheduler.ids import service_class, split_battery_name
from wakescope.parsers.uid import FIRST_APPLICATION_UID, app_id

WORK_MANAGER_CLASSES = (
    "androidx.work.impl.background.systemjob.SystemJobService",
    "android.arch.background.workmanager.background.systemjob.SystemJobService",  # WM alphas
)
WORK_MANAGER_NAMESPACE = "androidx.work.systemjobscheduler"  # WM 2.9+ on 14+
SYNC_SERVICE = "android/com.android.server.content.SyncJobService"
SYNC_NAMESPACE = "SyncManager"  # Samsung 15 corpus: `SyncManager:1000/…`

_WORK_SPEC = re.compile(r"EXTRA_WORK_SPEC_ID=([^,}\s]+)")
_EXTRA_KEYS = ("provider=", "accountName=", "accountType=", "SyncManagerJob=")
_EXTRA = re.compile(r"(?:^|[{,]\s*)(provider|accountName|accountType|SyncManagerJob)=([^,}]*)")


def extras_fields(extras: str | None) -> dict[str, str]:
    """The WorkManager and SyncManager keys of a `PersistableBundle` short string."""
    if not extras or extras.startswith("mParcelledData"):
        return {}
    # (`findall` tries every position: skipped when no key is there, as in most jobs.)
    has_keys = any(k in extras for k in _EXTRA_KEYS)
    out = {k: v.strip() for k, v in _EXTRA.findall(extras)} if has_keys else {}
    m = _WORK_SPEC.search(extras)
    if m:
        out["work_spec_id"] = m.group(1)
    return out


def identify(service: str | None, namespace: str | None, battery_name: str | None,
             extras: dict[str, str], uid: int | None, source_uid: int | None) -> dict:
    """scheduler plus work_spec_id / sync_authority / sync_account(_type) where they apply."""
    _, cls = service_class(service)
    out: dict = {"work_spec_id": extras.get("work_spec_id")}
    name = split_battery_name(battery_name) if battery_name else None
    if cls in WORK_MANAGER_CLASSES or namespace == WORK_MANAGER_NAMESPACE:
        out["scheduler"] = "work_manager"
    elif (service == SYNC_SERVICE or extras.get("SyncManagerJob") == "true"
          or SYNC_NAMESPACE in (namespace, name.namespace if name else None)):
        out["scheduler"] = "sync_manager"
        out["sync_authority"] = extras.get("provider") or (name.sync_provider if name else None)
        out["sync_account_type"] = (extras.get("accountType")
                                    or (name.sync_account_type if name else None))
        out["sync_account"] = extras.get("accountName") or (name.sync_account if name else None)
    elif cls and "com.firebase.jobdispatcher" in cls:
        out["scheduler"] = "firebase_jobdispatcher"
    elif cls and "com.google.android.gms.gcm" in cls:
        out["scheduler"] = "gcm_network_manager"
    elif _is_system(uid) and _is_system(source_uid if source_uid is not None else uid):
        out["scheduler"] = "system"
    else:
        out["scheduler"] = "app"
    return out


def _is_system(uid: int | None) -> bool:
    a = app_id(uid)
    return a is not None and a < FIRST_APPLICATION_UID
