"""Creates an SLA and reads its compliance through the Python client that openapi-generator made from
the server's /api/openapi.json (GeneratedPythonClientTest runs it). Only the generated package and the
standard library: what a user's automation would write. Prints one JSON object with what it saw.

usage: sla_through_generated_client.py CLIENT_DIR BASE_URL SLA_NAME VOLUME_ID (the token in SLUICE_TOKEN)
"""
import json
import os
import sys
import time

client_dir, base_url, sla_name, volume_id = sys.argv[1:5]
sys.path.insert(0, client_dir)

import sluice_client  # noqa: E402  (generated into client_dir at test time)
from sluice_client.api.compliance_api import ComplianceApi  # noqa: E402
from sluice_client.api.gateways_api import GatewaysApi  # noqa: E402
from sluice_client.api.slas_api import SlasApi  # noqa: E402
from sluice_client.model.scope import Scope  # noqa: E402
from sluice_client.model.sla_spec import SlaSpec  # noqa: E402

config = sluice_client.Configuration(host=base_url, access_token=os.environ["SLUICE_TOKEN"])
with sluice_client.ApiClient(config) as api:
    slas = SlasApi(api)
    created = slas.post_slas(SlaSpec(name=sla_name, scope=Scope(kind="VOLUME", id=volume_id),
                                     iops_limit=4000, reserved_iops=500, priority="STANDARD"))
    read = slas.get_slas_name(sla_name)
    listed = [doc.name for doc in slas.get_slas().items]
    # The SLA services take the SLA up when it is applied; its compliance appears once they judge it.
    deadline = time.monotonic() + 60
    compliance = None
    while compliance is None and time.monotonic() < deadline:
        compliance = next((c for c in ComplianceApi(api).get_compliance().items if c.sla == sla_name), None)
        if compliance is None:
            time.sleep(0.5)
    gateways = GatewaysApi(api).get_gateways()
    print(json.dumps({
        "createdVersion": created.version,
        "applied": created.apply.applied,
        "readIopsLimit": read.spec.iops_limit,
        "readScope": {"kind": read.spec.scope.kind, "id": read.spec.scope.id},
        "listed": listed,
        "compliance": None if compliance is None else {
            "sla": compliance.sla,
            "state": compliance.state,
            "scope": {"kind": compliance.scope.kind, "id": compliance.scope.id},
            "metPercent1h": compliance.met_percent1h,
            "dimensions": compliance.dimensions,
        },
        "gatewayCount": len(gateways.items),
        "liveKnown": gateways.live_known,
    }))
