"""The seeds' own stack as a baseline: FastAPI + uvicorn (websockets), Debian's packages.

A client connects to /ws?room=<name>; each text frame it sends is forwarded as the same string
(serialised once) to every socket in that room, sender included, awaiting each send in turn as
a FastAPI app would. No auth, no persistence. Prints `listening <port>` when ready.
"""

import asyncio
import resource
import socket
import sys

import uvicorn
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
rooms: dict[str, set[WebSocket]] = {}


@app.websocket("/ws")
async def chat(websocket: WebSocket, room: str = "main") -> None:
    await websocket.accept()
    members = rooms.setdefault(room, set())
    members.add(websocket)
    try:
        while True:
            text = await websocket.receive_text()
            for member in list(members):
                try:
                    await member.send_text(text)
                except Exception:
                    members.discard(member)
    except WebSocketDisconnect:
        pass
    finally:
        members.discard(websocket)


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    config = uvicorn.Config(
        app, ws="websockets", log_level="warning", access_log=False, lifespan="off", ws_per_message_deflate=False
    )
    server = uvicorn.Server(config)
    print(f"listening {sock.getsockname()[1]}", flush=True)
    asyncio.run(server.serve(sockets=[sock]))


if __name__ == "__main__":
    sys.exit(main())
