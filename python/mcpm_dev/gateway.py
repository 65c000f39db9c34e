"""One MCP endpoint for every server `mcp-monorepo dev` runs.

Each server is proxied (``fastmcp.server.create_proxy`` of its streamable-HTTP URL) and mounted
under its name as namespace (``FastMCP.mount(server, namespace=...)``, FastMCP docs "Server
Composition"), so a client sees ``<name>_<tool>`` for every tool of every server.

    python gateway.py PORT '{"ops": "http://127.0.0.1:8000/mcp", ...}'
"""

from __future__ import annotations

import json
import sys

from fastmcp import FastMCP
from fastmcp.server import create_proxy


def main() -> None:
    port = int(sys.argv[1])
    servers: dict[str, str] = json.loads(sys.argv[2])
    gateway = FastMCP("mcp-monorepo dev gateway")
    for name, url in servers.items():
        gateway.mount(create_proxy(url), namespace=name)
    gateway.run(transport="http", host="127.0.0.1", port=port, path="/mcp", show_banner=False, stateless_http=True, log_level="warning")


if __name__ == "__main__":
    main()
