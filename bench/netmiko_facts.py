"""The same read as our `facts` module's core, done the way most users would: netmiko's
cisco_ftd driver, a fresh SSH login, `show version` and `show failover state`, JSON out."""

import json
import sys

from netmiko import ConnectHandler


def main(host, port, username, password):
    conn = ConnectHandler(
        device_type="cisco_ftd", host=host, port=int(port), username=username, password=password, fast_cli=False
    )
    version = conn.send_command("show version")
    failover = conn.send_command("show failover state")
    conn.disconnect()
    print(json.dumps({"changed": False, "version": version, "failover": failover}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
